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

  /** Lists {@code path} until it holds {@code name} (a board publishes in the background); 60 s. */
  static Result awaitListing(String path, String name) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    Result r;
    do {
      r = CapCommandTest.amoeba("dir", "ls", path);
      if (r.status() == 0 && r.out().contains(name)) {
        return r;
      }
      LockSupport.parkNanos(200_000_000L);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(path + " never listed " + name + ": " + r.out() + r.err());
  }

  /** Asks {@code board}'s PEERS until {@code peer} is {@code state}; fails after 60 s. */
  static void awaitPeer(String board, String peer, String state) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    String last = "";
    while (System.nanoTime() < deadline) {
      Result r = CapCommandTest.amoeba("board", "peers", board, "--timeout-ms", "1000");
      last = r.out() + r.err();
      if (r.status() == 0 && r.out().contains(peer + ": " + state + " ")) {
        return;
      }
      LockSupport.parkNanos(200_000_000L);
    }
    throw new AssertionError(board + " never saw " + peer + " " + state + ": " + last);
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
        List.of("emulate", "--boards", "2", "--seconds", "300", "--group-port", portText,
            "--restart", "--faults", "loss=1%"), 90_000)) {
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

      // The single system image: the examples are in /bin, the run server places a program by
      // its path, files are named in the one namespace, and the boards are published in /pool.
      Result run = CapCommandTest.amoeba("run", "/bin/hello", "pool");
      assertEquals(0, run.status(), run.err());
      assertTrue(run.out().matches("hello from b[12] pool\n"), run.out());
      Result named = CapCommandTest.amoeba("file", "put", local.toString(), "/home/note");
      assertEquals(0, named.status(), named.err());
      java.nio.file.Path again = home.resolve("again.txt");
      Result byPath = CapCommandTest.amoeba("file", "cat", "/home/note", "-o", again.toString());
      assertEquals(0, byPath.status(), byPath.err());
      assertEquals("kept on two boards", java.nio.file.Files.readString(again));
      // Boards publish themselves in the background at boot (retrying until the directory
      // answers): both appear.
      Result published = awaitListing("/pool", "b2");
      assertTrue(published.out().contains("b1"), published.out());
      Result bootState = awaitListing("/services", "boot");
      assertTrue(bootState.out().contains("boot"), "the boot server's state is named in the directory: " + bootState.out());
      Result services = CapCommandTest.amoeba("services", "ls");
      assertEquals(0, services.status(), "the boot server answers with its state in the directory: " + services.err());
      Result devices = awaitListing("/dev/b2", "led");
      assertTrue(devices.out().contains("temp"), "every device of b2 under /dev/b2: " + devices.out());

      Result status = CapCommandTest.amoeba("pool", "status", "--json");
      assertEquals(0, status.status(), status.err());
      assertTrue(status.out().contains("\"up\":2,\"down\":0"), status.out());
      assertTrue(status.out().contains("{\"name\":\"b2\",\"state\":\"up\",\"model\":\"emulated\""), status.out());
      Result pools = CapCommandTest.amoeba("pools", "ls");
      assertTrue(pools.out().startsWith("* emulated"), pools.out());

      Result top = CapCommandTest.amoeba("top", "--once");
      assertEquals(0, top.status(), top.err());
      assertTrue(top.out().contains("2/2 boards up"), top.out());
      assertTrue(top.out().contains("faults: {loss=1}"), top.out());
      assertTrue(top.out().matches("(?s).*\\n  b1 +led=off  button=high.*"), "devices' state: " + top.out());

      // A partition inside the pool: each side's watch sees the other go silent.
      assertEquals(0, CapCommandTest.amoeba("chaos", "partition", "b1", "b2").status());
      awaitPeer("b1", "b2", "down");
      assertEquals(0, CapCommandTest.amoeba("chaos", "heal").status());
      awaitPeer("b1", "b2", "up");

      // kill -9 a board: --restart brings it back and the pool answers again.
      long before = Long.parseLong(java.nio.file.Files.readString(home.resolve("pools/emulated/chaos/b2.pid")).trim());
      Result kill = CapCommandTest.amoeba("chaos", "kill", "b2");
      assertEquals(0, kill.status(), kill.err());
      // (The restart may beat b1's failure detector: what counts is a new b2 that answers.)
      java.nio.file.Path pidFile = home.resolve("pools/emulated/chaos/b2.pid");
      long restartDeadline = System.nanoTime() + 60_000_000_000L;
      while (Long.parseLong(java.nio.file.Files.readString(pidFile).trim()) == before
          && System.nanoTime() < restartDeadline) {
        LockSupport.parkNanos(100_000_000L);
      }
      assertTrue(Long.parseLong(java.nio.file.Files.readString(pidFile).trim()) != before, "b2 runs in a new process");
      awaitPeer("b1", "b2", "up");
      Result bad = CapCommandTest.amoeba("chaos", "faults", "loss=200%");
      assertEquals(2, bad.status(), "a bad fault is a usage error");
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
    Result after = CapCommandTest.amoeba("pool", "status", "--json", "--timeout-ms", "300");
    assertEquals(1, after.status(), "a pool with boards down is not a success: " + after.out());
    assertTrue(after.out().contains("\"up\":0,\"down\":2"), after.out());
  }
}
