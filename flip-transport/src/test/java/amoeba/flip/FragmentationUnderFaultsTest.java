package amoeba.flip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import amoeba.flip.net.FaultyNetwork;
import amoeba.flip.net.LoopbackNetwork;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Messages of 1 B .. 16 MiB cross a network that loses 20% of packets, duplicates 5% and
 * reorders some. Where reliability lives: a message whose fragments partly arrive is repaired by
 * FLIP itself (RESEND of the gaps from the sender's retained copy); a message of which nothing
 * arrives is the layer above's business, played here by a resend loop (as RPC would retransmit).
 */
class FragmentationUnderFaultsTest {
  static final long MILLI = 1_000_000L;

  @Test
  void everySizeArrivesWholeUnderLossDuplicationAndReordering() {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(16384, 65536);
    FaultyNetwork na = faulty(hub.attach("a"), 1);
    FaultyNetwork nb = faulty(hub.attach("b"), 2);
    SplittableRandom random = new SplittableRandom(7);
    try (FlipBox a = new FlipBox(BoxConfig.defaults(3), List.of(na), random);
        FlipBox b = new FlipBox(BoxConfig.defaults(3), List.of(nb), random)) {
      Endpoint sender = a.openRandom();
      Endpoint receiver = b.openRandom();
      int attemptsTotal = 0;
      for (int size : new int[] {1, 1000, 1400, 1401, 65536, 1 << 20, 16 << 20}) {
        byte[] data = new byte[size];
        new SplittableRandom(size).nextBytes(data);
        data[0] = (byte) size; // tells this message from stale duplicates of the previous one
        attemptsTotal += deliver(sender, receiver, data);
      }
      assertTrue(na.lost() + nb.lost() > 0, "the network lost packets");
      assertTrue(na.duplicated() + nb.duplicated() > 0, "the network duplicated packets");
      assertTrue(a.count(Traffic.FRAGMENTS_REPAIRED) > 0, "large messages were repaired");
      assertTrue(b.count(Traffic.RESENDS_SENT) > 0, "the receiver asked for gaps");
      // Repair, not whole-message retransmission, carries the large messages.
      assertTrue(attemptsTotal < 7 * 4, "attempts: " + attemptsTotal);
    }
  }

  static FaultyNetwork faulty(LoopbackNetwork inner, long seed) {
    FaultyNetwork n = new FaultyNetwork(inner, seed);
    n.setLossProbability(0.20);
    n.setDuplicateProbability(0.05);
    n.setReorderProbability(0.05);
    return n;
  }

  /** Sends until the whole message arrives (bounded); returns the attempts it took. */
  static int deliver(Endpoint sender, Endpoint receiver, byte[] data) {
    for (int attempt = 1; attempt <= 20; attempt++) {
      sender.send(receiver.address(), ByteBuffer.wrap(data));
      long deadline = System.nanoTime() + 2000 * MILLI;
      for (long left; (left = deadline - System.nanoTime()) > 0; ) {
        Message m = receiver.receive(left);
        if (m == null) {
          break;
        }
        ByteBuffer p = m.payload();
        if (p.remaining() == data.length && p.get(0) == data[0]) {
          byte[] got = new byte[p.remaining()];
          p.get(p.position(), got);
          m.release();
          assertArrayEquals(data, got, "message of " + data.length + " bytes");
          return attempt;
        }
        m.release(); // a duplicate of an earlier message
      }
    }
    fail("a message of " + data.length + " bytes never arrived whole");
    return -1;
  }
}
