package amoeba.flip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.fragment.Reassembler;
import amoeba.flip.security.PacketAuthenticator;
import amoeba.flip.security.ReplayWindow;
import amoeba.flip.stats.DropCounters;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Arbitrary bytes into the receive path. Under plain {@code mvn verify} Jazzer runs these in
 * regression mode over the committed inputs in {@code ReceivePathFuzzTestInputs/<method>/};
 * with {@code JAZZER_FUZZ=1} it fuzzes (see flip-transport/README.md).
 */
class ReceivePathFuzzTest {
  private static final int POOL = 7;
  private static final int MAX_MESSAGE = 1 << 16;
  private static final PacketAuthenticator KEY = new PacketAuthenticator(new byte[32]);

  /**
   * Either raw bytes or a header built from fuzzed fields (optionally signed, so the fuzzer
   * reaches the tag and replay checks), then admit() at a fuzzed position and length.
   */
  @FuzzTest(maxDuration = "5m")
  void admit(FuzzedDataProvider data) {
    DropCounters counters = new DropCounters();
    PacketCheck keyed = new PacketCheck(POOL, KEY, new ReplayWindow(8), MAX_MESSAGE, counters);
    PacketCheck open = new PacketCheck(POOL, null, null, MAX_MESSAGE, counters);
    int at = data.consumeInt(0, 8);
    boolean structured = data.consumeBoolean();
    boolean direct = data.consumeBoolean();
    int slack = data.consumeInt(-4, 4);
    ByteBuffer b = direct ? ByteBuffer.allocateDirect(2048) : ByteBuffer.allocate(2048);
    int packetLength;
    if (structured) {
      PacketType[] types = PacketType.values();
      byte[] payload = data.consumeBytes(1024);
      int flags = data.consumeInt(0, 255);
      FlipHeader.write(
          b, at, types[data.consumeInt(0, types.length - 1)], flags, data.consumeInt(0, 255),
          data.consumeBoolean() ? POOL : data.consumeInt(), data.consumeInt(), data.consumeLong(),
          data.consumeLong(), data.consumeBoolean() ? payload.length : data.consumeInt(),
          data.consumeInt(), data.consumeInt(), data.consumeInt(), data.consumeLong());
      FlipHeader.hopCount(b, at, data.consumeInt(0, 255));
      b.put(FlipHeader.payloadOffset(at), payload);
      packetLength = FlipHeader.LENGTH + payload.length;
      if ((flags & PacketFlags.AUTHENTICATED) != 0) {
        packetLength = KEY.sign(b, at, packetLength);
      }
    } else {
      byte[] raw = data.consumeBytes(2048 - at - 8); // leaves room for slack
      b.put(at, raw);
      packetLength = raw.length;
    }
    packetLength += slack;
    int limit = data.consumeInt(0, 2048);
    b.limit(Math.max(limit, Math.min(2048, at + Math.max(0, packetLength))));

    boolean ok = keyed.admit(b, at, packetLength);
    boolean openOk = open.admit(b, at, packetLength);
    if (ok) {
      assertTrue(openOk); // the keyed gate is stricter
      assertTrue(FlipHeader.authenticated(b, at));
    }
    if (openOk) {
      assertNull(FlipHeader.validate(b, at, packetLength, MAX_MESSAGE));
      assertEquals(POOL, FlipHeader.poolId(b, at));
    }
    assertEquals((ok ? 0 : 1) + (openOk ? 0 : 1), counters.total()); // every refusal counted
    assertEquals(0, b.position());
  }

  /** A sequence of fragments with fuzzed header fields; the budgets must hold throughout. */
  @FuzzTest(maxDuration = "5m")
  void reassemble(FuzzedDataProvider data) {
    long[] now = {0};
    DropCounters counters = new DropCounters();
    long perSource = 3000;
    long all = 5000;
    Reassembler r = new Reassembler(2000, perSource, all, 1000, () -> now[0], counters);
    while (data.remainingBytes() > 0) {
      long source = data.consumeInt(0, 3);
      int messageId = data.consumeInt(0, 3);
      boolean small = data.consumeBoolean();
      int total = small ? data.consumeInt(0, 2100) : data.consumeInt();
      int offset = small ? data.consumeInt(0, 2100) : data.consumeInt();
      byte[] bytes = data.consumeBytes(data.consumeInt(0, 600));
      ByteBuffer fragment = ByteBuffer.wrap(bytes);
      ByteBuffer message = r.accept(source, messageId, offset, total, fragment);
      if (message != null) {
        assertEquals(0, message.position());
        assertEquals(total, message.limit());
      }
      assertEquals(0, fragment.position());
      if (data.consumeBoolean()) {
        now[0] += data.consumeInt(0, 600);
        r.expire();
      }
      assertTrue(r.bytesInProgress() >= 0 && r.bytesInProgress() <= all);
      assertTrue(r.inProgress() <= 16); // 4 sources x 4 ids
    }
    now[0] += 1000;
    r.expire();
    assertEquals(0, r.inProgress());
    assertEquals(0, r.bytesInProgress());
  }
}
