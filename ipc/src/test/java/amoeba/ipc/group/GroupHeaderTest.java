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
