package amoeba.ipc.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Arbitrary bytes into the group header decoder. Under plain {@code mvn verify} Jazzer runs this
 * in regression mode over the committed inputs in {@code GroupHeaderFuzzTestInputs/decode/};
 * with {@code JAZZER_FUZZ=1} it fuzzes (see flip-transport/README.md, same procedure).
 */
class GroupHeaderFuzzTest {

  /**
   * Either raw bytes or a header written from fuzzed fields, at a fuzzed offset, length and byte
   * order: validate() never throws, and whatever it admits reads back within range.
   */
  @FuzzTest(maxDuration = "5m")
  void decode(FuzzedDataProvider data) {
    int at = data.consumeInt(0, 8);
    boolean structured = data.consumeBoolean();
    boolean little = data.consumeBoolean();
    int slack = data.consumeInt(-8, 8);
    ByteBuffer b = ByteBuffer.allocate(512);
    if (little) {
      b.order(ByteOrder.LITTLE_ENDIAN);
    }
    int length;
    if (structured) {
      GroupMessageType[] types = GroupMessageType.values();
      GroupMessageType type = types[data.consumeInt(0, types.length - 1)];
      int flags = data.consumeInt(0, 0xFFFF);
      int inc = data.consumeInt();
      int member = data.consumeInt();
      int aux = data.consumeInt();
      long seq = data.consumeLong();
      long msgId = data.consumeLong();
      long accepted = data.consumeLong();
      long stable = data.consumeLong();
      GroupHeader.write(b, at, type, flags, inc, member, aux, seq, msgId, accepted, stable);
      byte[] body = data.consumeBytes(256);
      b.put(at + GroupHeader.LENGTH, body);
      length = GroupHeader.LENGTH + body.length;
      // What was written reads back, in either byte order.
      assertEquals(type, GroupHeader.type(b, at));
      assertEquals(flags, GroupHeader.flags(b, at));
      assertEquals(inc, GroupHeader.incarnation(b, at));
      assertEquals(member, GroupHeader.member(b, at));
      assertEquals(aux, GroupHeader.aux(b, at));
      assertEquals(seq, GroupHeader.seq(b, at));
      assertEquals(msgId, GroupHeader.msgId(b, at));
      assertEquals(accepted, GroupHeader.accepted(b, at));
      assertEquals(stable, GroupHeader.stable(b, at));
    } else {
      byte[] raw = data.consumeBytes(512 - at);
      b.put(at, raw);
      length = raw.length;
    }
    length = Math.max(0, length + slack);
    b.limit(Math.min(512, at + length));
    GroupDropReason why = GroupHeader.validate(b, at, Math.min(length, b.limit() - at));
    if (why == null) {
      assertTrue(Math.min(length, b.limit() - at) >= GroupHeader.LENGTH);
      GroupMessageType type = GroupHeader.type(b, at);
      assertNotNull(type);
      assertEquals(GroupHeader.VERSION, GroupHeader.version(b, at));
      assertTrue(GroupHeader.incarnation(b, at) >= 0);
      assertTrue(GroupHeader.member(b, at) >= -1);
      assertTrue(GroupHeader.seq(b, at) >= 0 && GroupHeader.msgId(b, at) >= 0);
      assertTrue(GroupHeader.accepted(b, at) >= 0 && GroupHeader.stable(b, at) >= 0);
    } else if (why == GroupDropReason.TOO_SHORT) {
      assertTrue(Math.min(length, b.limit() - at) < GroupHeader.LENGTH);
    } else if (why == GroupDropReason.BAD_VERSION) {
      assertTrue(GroupHeader.version(b, at) != GroupHeader.VERSION);
    } else if (why == GroupDropReason.BAD_TYPE) {
      assertNull(GroupHeader.type(b, at));
    } else {
      assertEquals(GroupDropReason.BAD_FIELD, why); // the decoder's only other answer
    }
    assertEquals(0, b.position()); // the flyweight never moves position
  }

  /** Arbitrary bundle bodies: the decoder visits only valid ORDERED records inside it. */
  @FuzzTest(maxDuration = "5m")
  void bundle(FuzzedDataProvider data) {
    ByteBuffer b = ByteBuffer.allocate(1024);
    GroupHeader.write(b, 0, GroupMessageType.ORDERED_BUNDLE, 0, 1, 1, 2, 1, 0, 0, 0);
    byte[] body = data.consumeRemainingAsBytes();
    int n = Math.min(body.length, 1024 - GroupHeader.LENGTH);
    b.put(GroupHeader.LENGTH, body, 0, n);
    int length = GroupHeader.LENGTH + n;
    GroupHeader.forEachBundled(b, 0, length, (at, len) -> {
      assertTrue(at >= GroupHeader.LENGTH && at + len <= length);
      assertNull(GroupHeader.validate(b, at, len));
      assertEquals(GroupMessageType.ORDERED, GroupHeader.type(b, at));
    });
  }
}
