package amoeba.flip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.security.PacketAuthenticator;
import amoeba.flip.security.ReplayWindow;
import amoeba.flip.stats.DropCounters;
import amoeba.flip.stats.DropReason;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class PacketCheckTest {
  private static final int POOL = 7;
  private final PacketAuthenticator key = new PacketAuthenticator(new byte[16]);
  private final DropCounters counters = new DropCounters();
  private final PacketCheck keyed =
      new PacketCheck(POOL, key, new ReplayWindow(64), 1 << 20, counters);
  private final PacketCheck open = new PacketCheck(POOL, null, null, 1 << 20, counters);

  /** A 4-byte UNIDATA at offset 1 of a 30-byte buffer... the returned length is the packet's. */
  private int build(ByteBuffer b, int pool, int flags, int sequence) {
    FlipHeader.write(b, 1, PacketType.UNIDATA, flags, 4, pool, 9, 1L, 2L, 4, 0, 4, sequence, 77L);
    int n = FlipHeader.LENGTH + 4;
    return (flags & PacketFlags.AUTHENTICATED) != 0 ? key.sign(b, 1, n) : n;
  }

  private void assertDropped(PacketCheck check, DropReason reason, ByteBuffer b, int n) {
    long before = counters.get(reason);
    long all = counters.total();
    assertFalse(check.admit(b, 1, n));
    assertEquals(before + 1, counters.get(reason), reason.toString());
    assertEquals(all + 1, counters.total());
  }

  @Test
  void keyedPoolAdmitsSignedFreshPacketsOnly() {
    ByteBuffer b = ByteBuffer.allocate(100);
    int n = build(b, POOL, PacketFlags.AUTHENTICATED, 1);
    FlipHeader.hopCount(b, 1, 2); // a router's change does not break the tag
    assertTrue(keyed.admit(b, 1, n));
    assertDropped(keyed, DropReason.REPLAY, b, n);

    n = build(b, POOL, PacketFlags.AUTHENTICATED, 2);
    b.put(FlipHeader.payloadOffset(1), (byte) 1);
    assertDropped(keyed, DropReason.BAD_TAG, b, n);
    b.put(FlipHeader.payloadOffset(1), (byte) 0);
    assertTrue(keyed.admit(b, 1, n)); // the forged copy did not burn sequence 2

    n = build(b, POOL, 0, 3);
    assertDropped(keyed, DropReason.MISSING_TAG, b, n);
    n = build(b, POOL + 1, PacketFlags.AUTHENTICATED, 4);
    assertDropped(keyed, DropReason.WRONG_POOL, b, n);
    n = build(b, POOL, PacketFlags.AUTHENTICATED, 5);
    assertDropped(keyed, DropReason.SHORT_HEADER, b, 20);
    FlipHeader.version(b, 1, 0);
    assertDropped(keyed, DropReason.BAD_VERSION, b, n);
    assertEquals(0, counters.get(DropReason.BAD_LENGTH));
  }

  @Test
  void openPoolIgnoresTagsAndReplays() {
    ByteBuffer b = ByteBuffer.allocate(100);
    int n = build(b, POOL, 0, 1);
    assertTrue(open.admit(b, 1, n));
    assertTrue(open.admit(b, 1, n)); // no replay check without a key
    n = build(b, POOL, PacketFlags.AUTHENTICATED, 2);
    b.put(n, (byte) 0); // garbage after; the tag itself is not checked
    b.put(n - 1, (byte) (b.get(n - 1) ^ 0xFF));
    assertTrue(open.admit(b, 1, n));
    assertDropped(open, DropReason.WRONG_POOL, b, build(b, 3, 0, 1));
    assertDropped(open, DropReason.BAD_LENGTH, b, n + 1);
    assertEquals(2, counters.total());
  }
}
