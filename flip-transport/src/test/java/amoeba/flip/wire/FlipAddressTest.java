package amoeba.flip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.OneWay;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class FlipAddressTest {
  private static final long MAX_PORT = (1L << 48) - 1;

  @Property
  void publicAddressOfGetPortIsAddressOfPutPort(
      @ForAll @LongRange(min = 0, max = MAX_PORT) long getPort) {
    long putPort = OneWay.apply(getPort, 48);
    assertEquals(FlipAddress.ofPort(putPort), FlipAddress.publicOf(FlipAddress.ofPort(getPort)));
    assertEquals(
        FlipAddress.groupOfPort(putPort), FlipAddress.publicOf(FlipAddress.groupOfPort(getPort)));
  }

  @Property
  void portMappingIsInjectiveAndReversible(
      @ForAll @LongRange(min = 0, max = MAX_PORT) long a,
      @ForAll @LongRange(min = 0, max = MAX_PORT) long b) {
    assertEquals(a == b, FlipAddress.ofPort(a) == FlipAddress.ofPort(b));
    assertEquals(a, FlipAddress.portOf(FlipAddress.ofPort(a)));
    assertEquals(FlipAddress.SPACE_PORT, FlipAddress.space(FlipAddress.ofPort(a)));
    assertFalse(FlipAddress.isGroup(FlipAddress.ofPort(a)));
    assertTrue(FlipAddress.isGroup(FlipAddress.groupOfPort(a)));
  }

  @Property
  void publicKeepsTheSpaceAndDiffersFromPrivate(@ForAll long seed) {
    long priv = FlipAddress.randomPrivate(new SplittableRandom(seed));
    assertNotEquals(0, FlipAddress.identifier(priv));
    assertEquals(FlipAddress.SPACE_PROCESS, FlipAddress.space(priv));
    long pub = FlipAddress.publicOf(priv);
    assertEquals(FlipAddress.SPACE_PROCESS, FlipAddress.space(pub));
    assertNotEquals(priv, pub);
    assertEquals(OneWay.apply(FlipAddress.identifier(priv), 56), FlipAddress.identifier(pub));
    assertEquals(-1, FlipAddress.portOf(priv));
    assertFalse(FlipAddress.isGroup(priv));
  }

  @Test
  void layoutAndFormatting() {
    assertEquals(0x0000123456789abcL << 8 | 0x01, FlipAddress.ofPort(0x123456789abcL));
    assertEquals("0000123456789a01", FlipAddress.toString(FlipAddress.ofPort(0x123456789aL)));
    assertEquals("0000000000000000", FlipAddress.toString(0));
    assertEquals("ffffffffffffff80", FlipAddress.toString(FlipAddress.of((1L << 56) - 1, 0x80)));
    assertTrue(FlipAddress.isGroup(FlipAddress.of(5, FlipAddress.SPACE_GROUP)));
    assertEquals(0, FlipAddress.publicOf(FlipAddress.NULL));
    assertThrows(IllegalArgumentException.class, () -> FlipAddress.ofPort(1L << 48));
    assertThrows(IllegalArgumentException.class, () -> FlipAddress.ofPort(-1));
    assertThrows(IllegalArgumentException.class, () -> FlipAddress.of(1L << 56, 0));
    assertThrows(IllegalArgumentException.class, () -> FlipAddress.of(1, 256));
  }
}
