package amoeba.flip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import amoeba.flip.stats.DropReason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class FlipHeaderTest {
  private static final int MAX = 1 << 20;

  @Provide
  Arbitrary<PacketType> types() {
    return Arbitraries.of(PacketType.class);
  }

  @Property
  void everyFieldRoundTrips(
      @ForAll("types") PacketType type,
      @ForAll @IntRange(min = 0, max = 255) int flags,
      @ForAll @IntRange(min = 0, max = 255) int hops,
      @ForAll @IntRange(min = 0, max = 255) int maxHops,
      @ForAll int poolId,
      @ForAll int messageId,
      @ForAll long dst,
      @ForAll long src,
      @ForAll int length,
      @ForAll int offset,
      @ForAll int total,
      @ForAll int sequence,
      @ForAll long epoch,
      @ForAll @IntRange(min = 0, max = 9) int at,
      @ForAll boolean littleEndianView,
      @ForAll boolean direct) {
    ByteBuffer b = direct ? ByteBuffer.allocateDirect(at + 64) : ByteBuffer.allocate(at + 64);
    b.order(littleEndianView ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    FlipHeader.write(
        b, at, type, flags, maxHops, poolId, messageId, dst, src, length, offset, total, sequence,
        epoch);
    FlipHeader.hopCount(b, at, hops);
    assertEquals(0, b.position());
    assertEquals(FlipHeader.VERSION, FlipHeader.version(b, at));
    assertEquals(type, FlipHeader.type(b, at));
    assertEquals(type.code(), FlipHeader.typeCode(b, at));
    assertEquals(flags, FlipHeader.flags(b, at));
    assertEquals(hops, FlipHeader.hopCount(b, at));
    assertEquals(maxHops, FlipHeader.maxHops(b, at));
    assertEquals(poolId, FlipHeader.poolId(b, at));
    assertEquals(messageId, FlipHeader.messageId(b, at));
    assertEquals(dst, FlipHeader.destination(b, at));
    assertEquals(src, FlipHeader.source(b, at));
    assertEquals(length, FlipHeader.length(b, at));
    assertEquals(offset, FlipHeader.offset(b, at));
    assertEquals(total, FlipHeader.total(b, at));
    assertEquals(sequence, FlipHeader.sequence(b, at));
    assertEquals(epoch, FlipHeader.epoch(b, at));
    // Big-endian on the wire whatever the view's order: check two fields byte by byte.
    assertEquals((byte) (poolId >>> 24), b.get(at + FlipHeader.POOL_ID_OFFSET));
    assertEquals((byte) epoch, b.get(at + FlipHeader.EPOCH_OFFSET + 7));
    assertEquals(0, b.get(at + 5));
    assertEquals(0, b.getShort(at + 6));
  }

  @Test
  void typeCodesAreFixedAndUnknownCodesAreNull() {
    assertEquals(1, PacketType.LOCATE.code());
    assertEquals(2, PacketType.HEREIS.code());
    assertEquals(3, PacketType.UNIDATA.code());
    assertEquals(4, PacketType.MULTIDATA.code());
    assertEquals(5, PacketType.NOTHERE.code());
    assertEquals(6, PacketType.UNTRUSTED.code());
    assertEquals(7, PacketType.RESEND.code());
    for (int code : new int[] {Integer.MIN_VALUE, -1, 0, 8, 255, 256}) {
      assertNull(PacketType.fromCode(code));
    }
    for (PacketType t : PacketType.values()) {
      assertEquals(t, PacketType.fromCode(t.code()));
    }
  }

  /** A sound unauthenticated UNIDATA fragment: 10 payload bytes at offset 20 of 100. */
  static ByteBuffer packet(int at) {
    ByteBuffer b = ByteBuffer.allocate(at + FlipHeader.LENGTH + 10 + FlipHeader.TAG_LENGTH);
    FlipHeader.write(b, at, PacketType.UNIDATA, 0, 8, 7, 1, 2L, 3L, 10, 20, 100, 5, 99L);
    return b;
  }

  private static DropReason check(ByteBuffer b, int at, int packetLength) {
    return FlipHeader.validate(b, at, packetLength, MAX);
  }

  @Test
  void soundPacketPasses() {
    ByteBuffer b = packet(3);
    assertNull(check(b, 3, 66));
    FlipHeader.flags(b, 3, PacketFlags.AUTHENTICATED | PacketFlags.UNSAFE);
    assertNull(check(b, 3, 82));
    assertEquals(82, FlipHeader.packetLength(b, 3));
  }

  @Test
  void eachMalformationHasItsReason() {
    assertEquals(DropReason.SHORT_HEADER, check(packet(0), 0, 55));
    assertEquals(DropReason.SHORT_HEADER, check(packet(0), 0, -1));
    assertEquals(DropReason.BAD_LENGTH, check(packet(0), 0, 200)); // past the buffer's limit
    assertEquals(DropReason.BAD_LENGTH, check(packet(0), -1, 66));

    ByteBuffer b = packet(0);
    FlipHeader.version(b, 0, 2);
    assertEquals(DropReason.BAD_VERSION, check(b, 0, 66));

    b = packet(0);
    b.put(FlipHeader.TYPE_OFFSET, (byte) 0);
    assertEquals(DropReason.BAD_TYPE, check(b, 0, 66));
    b.put(FlipHeader.TYPE_OFFSET, (byte) 8);
    assertEquals(DropReason.BAD_TYPE, check(b, 0, 66));

    for (int i : new int[] {5, 6, 7}) {
      b = packet(0);
      b.put(i, (byte) 0x10);
      assertEquals(DropReason.BAD_HEADER, check(b, 0, 66), "reserved byte " + i);
    }
    b = packet(0);
    FlipHeader.flags(b, 0, 0x10);
    assertEquals(DropReason.BAD_HEADER, check(b, 0, 66));

    assertEquals(DropReason.BAD_LENGTH, check(packet(0), 0, 65));
    assertEquals(DropReason.BAD_LENGTH, check(packet(0), 0, 67));
    b = packet(0);
    FlipHeader.flags(b, 0, PacketFlags.AUTHENTICATED);
    assertEquals(DropReason.BAD_LENGTH, check(b, 0, 66)); // the tag is missing
    b = packet(0);
    FlipHeader.length(b, 0, -1); // 2^32 - 1: must not wrap around to a match
    assertEquals(DropReason.BAD_LENGTH, check(b, 0, 66));

    b = packet(0);
    FlipHeader.offset(b, 0, 91);
    assertEquals(DropReason.BAD_FRAGMENT, check(b, 0, 66));
    FlipHeader.offset(b, 0, -5); // 2^32 - 5 + 10 overflows an int, not a long
    assertEquals(DropReason.BAD_FRAGMENT, check(b, 0, 66));
    FlipHeader.offset(b, 0, 90);
    assertNull(check(b, 0, 66));

    b = packet(0);
    FlipHeader.total(b, 0, MAX + 1);
    assertEquals(DropReason.TOO_LARGE, check(b, 0, 66));
    FlipHeader.total(b, 0, Integer.MIN_VALUE); // 2 GiB as u32
    assertEquals(DropReason.TOO_LARGE, check(b, 0, 66));

    b = packet(0);
    FlipHeader.hopCount(b, 0, 9);
    assertEquals(DropReason.HOP_LIMIT, check(b, 0, 66));
    FlipHeader.hopCount(b, 0, 8);
    assertNull(check(b, 0, 66));
  }
}
