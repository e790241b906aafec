package amoeba.flip.net;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The per-packet path allocates nothing once warm (performance.md: zero garbage per packet).
 * Measured with the thread's allocation counter over many packets; the bound allows a few
 * stray bytes per packet so JIT timing cannot make it flaky, far below one object per packet.
 */
class SteadyStateAllocationTest {

  private static final int WARMUP = 30_000;
  private static final int MEASURED = 10_000;

  private static long allocatedBytes() {
    com.sun.management.ThreadMXBean bean =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    return bean.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  private static double bytesPerPacket(Network from, Network to, boolean direct)
      throws Exception {
    ByteBuffer packet = direct ? ByteBuffer.allocateDirect(200) : ByteBuffer.allocate(200);
    ByteBuffer into = direct ? ByteBuffer.allocateDirect(2048) : ByteBuffer.allocate(2048);
    Station dest = to.self();
    for (int i = 0; i < WARMUP; i++) {
      roundOne(from, to, dest, packet, into);
    }
    long before = allocatedBytes();
    for (int i = 0; i < MEASURED; i++) {
      roundOne(from, to, dest, packet, into);
    }
    return (allocatedBytes() - before) / (double) MEASURED;
  }

  private static void roundOne(Network from, Network to, Station dest, ByteBuffer packet,
      ByteBuffer into) throws Exception {
    from.send(packet, dest);
    into.clear();
    assertNotNull(to.receive(into, 1_000_000_000L), "lost on loopback");
  }

  @Test
  void udpUnicastSendAndReceive() throws Exception {
    UdpConfig config = UdpConfig.builder().groupPort(UdpNetworkTestPorts.free()).build();
    try (UdpNetwork a = new UdpNetwork(config);
        UdpNetwork b = new UdpNetwork(config)) {
      for (boolean direct : new boolean[] {true, false}) {
        double perPacket = bytesPerPacket(a, b, direct);
        assertTrue(perPacket < 8, "direct=" + direct + ": " + perPacket + " bytes per packet");
      }
    }
  }

  @Test
  void loopbackSendAndReceive() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork a = hub.attach("a");
        LoopbackNetwork b = hub.attach("b")) {
      double perPacket = bytesPerPacket(a, b, false);
      assertTrue(perPacket < 8, "allocated " + perPacket + " bytes per packet");
    }
  }

  @Test
  void faultyOverLoopbackWithDelay() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork a = hub.attach("a");
        FaultyNetwork b = new FaultyNetwork(hub.attach("b"), 1)) {
      b.setDuplicateProbability(0.5); // exercises hold and release on every other packet
      ByteBuffer packet = ByteBuffer.allocateDirect(200);
      ByteBuffer into = ByteBuffer.allocateDirect(2048);
      for (int i = 0; i < WARMUP; i++) {
        a.send(packet, b.self());
        drain(b, into);
      }
      long before = allocatedBytes();
      for (int i = 0; i < MEASURED; i++) {
        a.send(packet, b.self());
        drain(b, into);
      }
      double perPacket = (allocatedBytes() - before) / (double) MEASURED;
      assertTrue(perPacket < 8, "allocated " + perPacket + " bytes per packet");
    }
  }

  private static void drain(Network n, ByteBuffer into) throws Exception {
    for (int i = 0; i < 4; i++) {
      into.clear();
      if (n.receive(into, 0) == null) {
        return;
      }
    }
  }
}
