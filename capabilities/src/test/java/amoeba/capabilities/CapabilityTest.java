package amoeba.capabilities;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.CapabilityFormatException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class CapabilityTest {
  // Every field's bytes differ, so a swapped or shifted field shows in the vector.
  static final Capability SAMPLE =
      new Capability(new Port(0x0123456789abL), 0xcdef01, 0x23, 0x456789abcdefL);
  static final String SAMPLE_BYTES = "0123456789abcdef0123456789abcdef";

  @Test
  void layoutIsTheDiagramBigEndian() {
    assertEquals(SAMPLE_BYTES, HexFormat.of().formatHex(SAMPLE.toBytes()));
  }

  @Test
  void byteOrderOfTheBufferDoesNotMatter() {
    ByteBuffer little = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    SAMPLE.write(little, 0);
    assertArrayEquals(SAMPLE.toBytes(), little.array());
    assertEquals(SAMPLE, Capability.read(little, 0));
  }

  @Test
  void readsAndWritesAtAnOffsetWithoutMovingThePosition() {
    ByteBuffer buffer = ByteBuffer.allocate(40);
    buffer.position(3);
    SAMPLE.write(buffer, 20);
    assertEquals(3, buffer.position());
    assertEquals(0, buffer.get(19));
    assertEquals(0, buffer.get(36));
    assertEquals(SAMPLE, Capability.read(buffer, 20));
    assertEquals(SAMPLE.port(), Capability.port(buffer, 20));
    assertEquals(SAMPLE.object(), Capability.object(buffer, 20));
    assertEquals(SAMPLE.rights(), Capability.rights(buffer, 20));
    assertEquals(SAMPLE.check(), Capability.check(buffer, 20));
  }

  @Test
  void shortBuffersAndArraysAreLengthErrors() {
    ByteBuffer buffer = ByteBuffer.allocate(31);
    var atEnd = assertThrows(CapabilityFormatException.class, () -> Capability.read(buffer, 16));
    assertEquals(Reason.LENGTH, atEnd.reason());
    assertTrue(atEnd.getMessage().contains("16 bytes"), atEnd.getMessage());
    assertEquals(Reason.LENGTH, assertThrows(CapabilityFormatException.class,
        () -> Capability.read(buffer, -1)).reason());
    assertEquals(Reason.LENGTH, assertThrows(CapabilityFormatException.class,
        () -> Capability.read(buffer, Integer.MAX_VALUE)).reason());
    buffer.limit(10);
    assertEquals(Reason.LENGTH, assertThrows(CapabilityFormatException.class,
        () -> Capability.read(buffer, 0)).reason());
    for (int n : new int[] {0, 1, 15, 17, 32}) {
      var e = assertThrows(CapabilityFormatException.class, () -> Capability.fromBytes(new byte[n]));
      assertEquals(Reason.LENGTH, e.reason());
      assertTrue(e.getMessage().contains("got " + n), e.getMessage());
    }
  }

  @Test
  void fieldsOutOfRangeAreRefused() {
    Port p = new Port(1);
    assertThrows(IllegalArgumentException.class, () -> new Capability(p, 1 << 24, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Capability(p, -1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new Capability(p, 0, 256, 0));
    assertThrows(IllegalArgumentException.class, () -> new Capability(p, 0, 0, 1L << 48));
    assertThrows(IllegalArgumentException.class, () -> new Port(1L << 48));
    assertThrows(IllegalArgumentException.class, () -> new Port(-1));
  }

  @Test
  void toStringNeverShowsTheCheck() {
    String s = SAMPLE.toString();
    assertFalse(s.contains("456789abcdef"), s);
    assertFalse(s.contains(Long.toString(SAMPLE.check())), s);
    assertTrue(s.contains("0123456789ab"), s);
  }

  @Property
  void anySixteenBytesRoundTrip(@ForAll @Size(16) byte[] bytes) {
    assertArrayEquals(bytes, Capability.fromBytes(bytes).toBytes());
  }

  @Property
  void capabilitiesRoundTripThroughBytes(@ForAll("capabilities") Capability cap,
      @ForAll @IntRange(max = 48) int offset) {
    ByteBuffer buffer = ByteBuffer.allocate(64);
    cap.write(buffer, offset);
    assertEquals(cap, Capability.read(buffer, offset));
    assertEquals(cap, Capability.fromBytes(cap.toBytes()));
  }

  @Provide
  static Arbitrary<Capability> capabilities() {
    return Combinators.combine(
            Arbitraries.longs().between(0, Port.MASK).map(Port::new),
            Arbitraries.integers().between(0, Capability.MAX_OBJECT),
            Arbitraries.integers().between(0, 255),
            Arbitraries.longs().between(0, Capability.CHECK_MASK))
        .as(Capability::new);
  }
}
