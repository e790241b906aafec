package amoeba.flip.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.fragment.Reassembler;
import amoeba.flip.security.PacketAuthenticator;
import amoeba.flip.security.ReplayWindow;
import amoeba.flip.stats.DropCounters;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The per-packet paths allocate nothing: measured with the JVM's per-thread allocation counter
 * over many packets (a few hundred bytes of slack for the counter itself), so an allocation per
 * packet, even 16 bytes, fails the test. This does not rely on escape analysis.
 */
class ZeroAllocationTest {
  private static final int PACKETS = 20_000;
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static long allocated() {
    return THREADS.getCurrentThreadAllocatedBytes();
  }

  @Test
  void signAdmitAndValidateAllocateNothing() {
    for (boolean direct : new boolean[] {false, true}) {
      PacketAuthenticator key = new PacketAuthenticator(new byte[32]);
      DropCounters counters = new DropCounters();
      PacketCheck check = new PacketCheck(7, key, new ReplayWindow(64), 1 << 20, counters);
      ByteBuffer b = direct ? ByteBuffer.allocateDirect(1500) : ByteBuffer.allocate(1500);
      int n = 0;
      long before = 0;
      for (int i = -1000; i < PACKETS; i++) { // the first 1000 warm up (ThreadLocal, JIT)
        if (i == 0) {
          before = allocated();
        }
        FlipHeader.write(
            b, 0, PacketType.UNIDATA, PacketFlags.AUTHENTICATED, 4, 7, i, 1L, 2L, 1400, 0, 1400,
            i + 1000, 5L); // sequence increases from 0
        n = key.sign(b, 0, FlipHeader.LENGTH + 1400);
        assertTrue(check.admit(b, 0, n));
        assertTrue(FlipHeader.validate(b, 0, n, 1 << 20) == null);
      }
      long perPacket = (allocated() - before) / PACKETS;
      assertEquals(0, perPacket, (direct ? "direct" : "heap") + " buffers: bytes per packet");
      assertEquals(0, counters.total());
    }
  }

  @Test
  void fragmentsOfAMessageInProgressAllocateNothing() {
    DropCounters counters = new DropCounters();
    int fragment = 1000;
    int total = (PACKETS + 1) * fragment;
    Reassembler r = new Reassembler(total, total, total, Long.MAX_VALUE, () -> 0L, counters);
    ByteBuffer piece = ByteBuffer.allocate(fragment);
    r.accept(9L, 1, 0, total, piece); // allocates the message buffer
    long before = allocated();
    for (int i = 1; i < PACKETS; i++) {
      piece.clear();
      r.accept(9L, 1, i * fragment, total, piece);
    }
    long perFragment = (allocated() - before) / PACKETS;
    assertEquals(0, perFragment, "bytes per fragment");
    piece.clear();
    assertNotNull(r.accept(9L, 1, PACKETS * fragment, total, piece));
    assertEquals(0, counters.total());
  }
}
