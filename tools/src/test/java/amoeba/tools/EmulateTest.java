package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.tools.CapCommandTest.Result;
import amoeba.tools.bench.PeerProcess;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * `amoeba emulate` starts a pool, writes the current profile, and every other command then
 * reaches the pool with no network options; stopping it leaves no board process behind.
 */
class EmulateTest {
  /** A home of this test's own: the profile it writes must not leak into other tests. */
  @org.junit.jupiter.api.io.TempDir java.nio.file.Path home;

  String previousHome;

  @org.junit.jupiter.api.BeforeEach
  void ownHome() {
    previousHome = System.setProperty("amoeba.home", home.toString());
  }

  @org.junit.jupiter.api.AfterEach
  void restoreHome() {
    if (previousHome == null) {
      System.clearProperty("amoeba.home");
    } else {
      System.setProperty("amoeba.home", previousHome);
    }
  }

  @Test
  void emulatedPoolServesCommandsThroughTheProfileAndStopsCleanly() throws Exception {
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    String portText = Integer.toString(port);
    try (PeerProcess pool = new PeerProcess(
        List.of("emulate", "--boards", "2", "--seconds", "300", "--group-port", portText), 90_000)) {
      assertEquals("b1,b2", pool.ready()[0]);
      Result hello = CapCommandTest.amoeba("exec", "--on", "b2",
          KernelCliTest.example("hello").toString(), "from", "the", "profile");
      assertEquals(0, hello.status(), hello.err());
      assertEquals("hello from b2 from the profile\n", hello.out());
      Result info = CapCommandTest.amoeba("board", "info", "b1");
      assertEquals(0, info.status(), info.err());
      assertTrue(info.out().contains("b1"), info.out());
      Result status = CapCommandTest.amoeba("pool", "status", "--json");
      assertEquals(0, status.status(), status.err());
      assertTrue(status.out().contains("\"up\":2,\"down\":0"), status.out());
      assertTrue(status.out().contains("{\"name\":\"b2\",\"state\":\"up\",\"model\":\"emulated\""), status.out());
      Result pools = CapCommandTest.amoeba("pools", "ls");
      assertTrue(pools.out().startsWith("* emulated"), pools.out());
    }
    Result after = CapCommandTest.amoeba("pool", "status", "--json", "--timeout-ms", "300");
    assertEquals(1, after.status(), "a pool with boards down is not a success: " + after.out());
    assertTrue(after.out().contains("\"up\":0,\"down\":2"), after.out());
    // The pool's shutdown hook stopped its boards: none of them may outlive it.
    long deadline = System.nanoTime() + 15_000_000_000L;
    long left;
    do {
      left = ProcessHandle.allProcesses()
          .filter(p -> p.info().commandLine().map(c -> c.contains(" boot ") && c.contains(portText)).orElse(false))
          .count();
      if (left > 0) {
        LockSupport.parkNanos(100_000_000L);
      }
    } while (left > 0 && System.nanoTime() < deadline);
    assertEquals(0, left, "board processes left behind");
  }
}
