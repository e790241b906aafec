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
      // every board runs a Bullet server and the profile lists the boards: files need no options
      java.nio.file.Path local = java.nio.file.Files.writeString(home.resolve("note.txt"), "kept on two boards");
      Result put = CapCommandTest.amoeba("file", "put", local.toString());
      assertEquals(0, put.status(), put.err());
      assertEquals(2, put.out().lines().count(), "two replicas by default: " + put.out());
      java.nio.file.Path copy = home.resolve("copy.txt");
      Result cat = CapCommandTest.amoeba("file", "cat", String.join(",", put.out().lines().toList()), "-o", copy.toString());
      assertEquals(0, cat.status(), cat.err());
      assertEquals("kept on two boards", java.nio.file.Files.readString(copy));
    }
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
