package amoeba.ipc.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GroupHeaderTest {

  /** A bundle of ORDERED packets with bodies of the given sizes, at offset 3. */
  static ByteBuffer bundle(int... bodies) {
    ByteBuffer b = ByteBuffer.allocate(2048);
    GroupHeader.write(b, 3, GroupMessageType.ORDERED_BUNDLE, 0, 1, 1, bodies.length, 10, 0, 0, 0);
    int p = 3 + GroupHeader.LENGTH;
    for (int i = 0; i < bodies.length; i++) {
      int len = GroupHeader.LENGTH + bodies[i];
      GroupHeader.putBundledLength(b, p, len);
      GroupHeader.write(b, p + 2, GroupMessageType.ORDERED, 0, 1, 1, 2, 10 + i, i + 1, 0, 0);
      p += 2 + len;
    }
    return b.limit(p);
  }

  @Test
  void aBundleYieldsEachOrderedInOrderAndStopsAtAMalformedRecord() {
    ByteBuffer b = bundle(0, 5, 64);
    java.util.List<Long> seqs = new java.util.ArrayList<>();
    assertEquals(true, GroupHeader.forEachBundled(b, 3, b.limit() - 3,
        (at, len) -> seqs.add(GroupHeader.seq(b, at))));
    assertEquals(java.util.List.of(10L, 11L, 12L), seqs);

    // Cut into the last record, or its length past the end: the first two still count.
    for (int cut = 1; cut < 2 + GroupHeader.LENGTH + 64; cut++) {
      seqs.clear();
      assertEquals(false, GroupHeader.forEachBundled(b, 3, b.limit() - 3 - cut,
          (at, len) -> seqs.add(GroupHeader.seq(b, at))), "cut " + cut);
      assertEquals(java.util.List.of(10L, 11L), seqs, "cut " + cut);
    }
    // A nested bundle is no ORDERED.
    ByteBuffer nested = bundle(0);
    nested.put(3 + GroupHeader.LENGTH + 2 + GroupHeader.TYPE_OFFSET,
        (byte) GroupMessageType.ORDERED_BUNDLE.wire());
    assertEquals(false, GroupHeader.forEachBundled(nested, 3, nested.limit() - 3, (at, len) -> {
      throw new AssertionError("visited a nested bundle");
    }));
  }

  @Test
  void aDataBundleYieldsOnlyDataRecords() {
    ByteBuffer b = bundle(3, 7);
    java.util.List<Long> msgIds = new java.util.ArrayList<>();
    // As written, the records are ORDERED: not what a DATA_BUNDLE holds.
    b.put(3 + GroupHeader.TYPE_OFFSET, (byte) GroupMessageType.DATA_BUNDLE.wire());
    assertEquals(false, GroupHeader.forEachBundled(b, 3, b.limit() - 3,
        (at, len) -> msgIds.add(GroupHeader.msgId(b, at))));
    assertEquals(java.util.List.of(), msgIds);
    int p = 3 + GroupHeader.LENGTH;
    for (int i = 0; i < 2; i++) {
      b.put(p + 2 + GroupHeader.TYPE_OFFSET, (byte) GroupMessageType.DATA.wire());
      p += 2 + (b.getShort(p) & 0xFFFF);
    }
    assertEquals(true, GroupHeader.forEachBundled(b, 3, b.limit() - 3,
        (at, len) -> msgIds.add(GroupHeader.msgId(b, at))));
    assertEquals(java.util.List.of(1L, 2L), msgIds);
    // No bundle at all: nothing visited.
    b.put(3 + GroupHeader.TYPE_OFFSET, (byte) GroupMessageType.DATA.wire());
    assertEquals(false, GroupHeader.forEachBundled(b, 3, b.limit() - 3, (at, len) -> {
      throw new AssertionError("visited a record of a packet that is no bundle");
    }));
  }

  @Test
  void theBundleDecoderStaysInsideTheBundleWhateverTheBytes() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(5);
    for (int i = 0; i < 20_000; i++) {
      ByteBuffer b = bundle(r.nextInt(100), r.nextInt(100), r.nextInt(100));
      int length = b.limit() - 3;
      for (int flips = r.nextInt(1, 4); flips > 0; flips--) {
        int at = 3 + GroupHeader.LENGTH + r.nextInt(length - GroupHeader.LENGTH);
        b.put(at, (byte) r.nextInt(256));
      }
      int[] next = {3 + GroupHeader.LENGTH};
      GroupHeader.forEachBundled(b, 3, length, (at, len) -> {
        assertEquals(next[0] + 2, at, "records are contiguous");
        assertEquals(true, at + len <= 3 + length, "inside the bundle");
        assertNull(GroupHeader.validate(b, at, len));
        next[0] = at + len;
      });
    }
  }

  static ByteBuffer ordered(ByteOrder order) {
    ByteBuffer b = ByteBuffer.allocate(64).order(order);
    GroupHeader.write(b, 4, GroupMessageType.ORDERED, GroupHeader.FLAG_BB, 7, 3, 2, 1000L, 42L,
        999L, 900L);
    return b;
  }

  @Test
  void fieldsRoundTripAndTheWireIsBigEndianWhateverTheBufferOrder() {
    ByteBuffer big = ordered(ByteOrder.BIG_ENDIAN);
    ByteBuffer little = ordered(ByteOrder.LITTLE_ENDIAN);
    assertArrayEquals(big.array(), little.array());
    assertEquals(GroupMessageType.ORDERED, GroupHeader.type(little, 4));
    assertEquals(GroupHeader.FLAG_BB, GroupHeader.flags(little, 4));
    assertEquals(7, GroupHeader.incarnation(little, 4));
    assertEquals(3, GroupHeader.member(little, 4));
    assertEquals(2, GroupHeader.aux(little, 4));
    assertEquals(1000L, GroupHeader.seq(little, 4));
    assertEquals(42L, GroupHeader.msgId(little, 4));
    assertEquals(999L, GroupHeader.accepted(little, 4));
    assertEquals(900L, GroupHeader.stable(little, 4));
    assertEquals(0x03, big.get(4 + GroupHeader.TYPE_OFFSET));
    assertEquals(1000L, big.getLong(4 + GroupHeader.SEQ_OFFSET));
    assertEquals(0, big.position());
  }

  @Test
  void validateNamesWhatIsWrong() {
    ByteBuffer b = ordered(ByteOrder.BIG_ENDIAN);
    assertNull(GroupHeader.validate(b, 4, 60)); // ORDERED may carry a body
    assertEquals(GroupDropReason.TOO_SHORT, GroupHeader.validate(b, 4, GroupHeader.LENGTH - 1));
    assertEquals(GroupDropReason.TOO_SHORT, GroupHeader.validate(b, 40, GroupHeader.LENGTH));
    b.put(4, (byte) 2);
    assertEquals(GroupDropReason.BAD_VERSION, GroupHeader.validate(b, 4, 48));
    b.put(4, (byte) 1);
    b.put(5, (byte) 0);
    assertEquals(GroupDropReason.BAD_TYPE, GroupHeader.validate(b, 4, 48));
    b.put(5, (byte) 99);
    assertEquals(GroupDropReason.BAD_TYPE, GroupHeader.validate(b, 4, 48));
    b.put(5, (byte) GroupMessageType.ACK.wire());
    assertNull(GroupHeader.validate(b, 4, 48));
    assertEquals(GroupDropReason.BAD_FIELD, GroupHeader.validate(b, 4, 49)); // ACK has no body
    b.putLong(4 + GroupHeader.SEQ_OFFSET, -1);
    assertEquals(GroupDropReason.BAD_FIELD, GroupHeader.validate(b, 4, 48));
    b.putLong(4 + GroupHeader.SEQ_OFFSET, 1);
    b.putShort(4 + GroupHeader.FLAGS_OFFSET, (short) 0x100);
    assertEquals(GroupDropReason.BAD_FIELD, GroupHeader.validate(b, 4, 48)); // unknown flag
  }

  @Test
  void wireNumbersAreFixedAndUnique() {
    Set<Integer> seen = new HashSet<>();
    for (GroupMessageType t : GroupMessageType.values()) {
      assertEquals(t, GroupMessageType.of(t.wire()));
      assertEquals(true, seen.add(t.wire()));
    }
    assertEquals(1, GroupMessageType.DATA.wire());
    assertEquals(3, GroupMessageType.ORDERED.wire());
    assertEquals(10, GroupMessageType.RESET_REQ.wire());
    assertEquals(16, GroupMessageType.JOIN_REFUSED.wire());
    assertNull(GroupMessageType.of(0));
    assertNull(GroupMessageType.of(-1));
    assertNull(GroupMessageType.of(1000));
  }
}
