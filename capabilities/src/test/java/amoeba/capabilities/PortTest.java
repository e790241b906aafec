package amoeba.capabilities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.CapabilityFormatException.Reason;
import java.util.random.RandomGenerator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class PortTest {
  @Property
  void oneWayIsDeterministicNonNullAndFitsIn48Bits(
      @ForAll @LongRange(min = 1, max = Port.MASK) long value) {
    long f = OneWay.apply(value, 48);
    assertEquals(f, OneWay.apply(value, 48));
    assertNotEquals(0, f);
    assertEquals(0, f & ~Port.MASK);
    assertEquals(new Port(f), new Port(value).putPort());
  }

  @Test
  void nullPortMapsToNull() {
    assertEquals(0, OneWay.apply(0, 48));
    assertEquals(Port.NULL, Port.NULL.putPort());
  }

  @Test
  void putPortIsNotTheGetPort() {
    Port get = new Port(0x0123456789abL);
    assertNotEquals(get, get.putPort());
  }

  @Test
  void randomNeverReturnsNull() {
    // A generator whose first draws are 0 mod 2^48: random must draw again.
    long[] draws = {0, 1L << 48, 0x5L};
    RandomGenerator scripted =
        new RandomGenerator() {
          int i;

          @Override
          public long nextLong() {
            return draws[i++];
          }
        };
    assertEquals(new Port(5), Port.random(scripted));
  }

  @Property
  void textRoundTrips(@ForAll @LongRange(min = 0, max = Port.MASK) long value) {
    Port port = new Port(value);
    String text = port.toString();
    assertEquals(12, text.length());
    assertEquals(text.toLowerCase(java.util.Locale.ROOT), text);
    assertEquals(port, Port.parse(text));
  }

  @Test
  void parseErrorsAreTyped() {
    assertEquals(Reason.LENGTH, fails("0123").reason());
    assertEquals(Reason.LENGTH, fails("").reason());
    var bad = fails("0123456789aX");
    assertEquals(Reason.CHARACTER, bad.reason());
    assertEquals(11, bad.position());
    assertTrue(bad.getMessage().contains("'X' at position 11"), bad.getMessage());
  }

  private static CapabilityFormatException fails(String text) {
    return assertThrows(CapabilityFormatException.class, () -> Port.parse(text));
  }
}
