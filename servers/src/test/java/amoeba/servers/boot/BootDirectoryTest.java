package amoeba.servers.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.kernel.process.KernelProcess;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessClient;
import amoeba.servers.Eventually;
import amoeba.servers.TestPool;
import amoeba.servers.bullet.BulletClient;
import amoeba.servers.bullet.BulletServer;
import amoeba.servers.directory.CapabilitySet;
import amoeba.servers.directory.DirectoryClient;
import amoeba.servers.run.Constraints;
import amoeba.servers.run.Launch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The boot server keeps its state in the directory: one on b4 is lost with its board, one
 * started on b3 finds the services there, adopts the instance still running and restarts the one
 * that died meanwhile. b1 holds the directory (one replica) and the run server (placing on b1..b3);
 * every board runs Bullet and publishes itself under /pool.
 */
class BootDirectoryTest {
  static final long SECOND = 1_000_000_000L;
  static final Capability BOOT = BoardPorts.owner(TestPool.KEY, "boot", "pool");
  static final List<String> BOARDS = List.of("b1", "b2", "b3", "b4");

  @TempDir Path dir;
  TestPool pool;

  @AfterEach
  void close() {
    if (pool != null) {
      pool.close();
    }
  }

  static String stdout(KernelProcess p) {
    return new String(p.stdoutLog().read(0, 1 << 16).bytes(), StandardCharsets.UTF_8);
  }

  static void await(java.util.function.BooleanSupplier condition, String what) {
    assertTrue(Eventually.holds(condition, 30 * SECOND), "timed out waiting for " + what);
  }

  /** Sleepers running on the live boards. */
  long sleepers() {
    return BOARDS.stream().filter(b -> !pool.board(b).isClosed())
        .flatMap(b -> pool.board(b).processes().stream())
        .filter(p -> p.source().equals("builtin:sleeper") && !p.state().finished()).count();
  }

  BootClient.Listing list(BootClient client) {
    try {
      return client.list(BOOT);
    } catch (Exception e) {
      return null;
    }
  }

  @Test
  void aBootServerStartedOnAnotherBoardFindsItsServicesInTheDirectoryAndAdoptsOrRestartsInstances() throws Exception {
    pool = new TestPool(dir, BOARDS.toArray(String[]::new));
    pool.board("b1").startService("dir", List.of("b1", "--heartbeat-ms", "5", "--fail-ms", "300"));
    for (String b : BOARDS) {
      pool.board(b).startService(BulletServer.SERVICE, List.of());
      pool.board(b).startService("publish", List.of());
    }
    pool.board("b1").startService("run", List.of("--poll-ms", "200", "b1", "b2", "b3"));
    DirectoryClient ns = new DirectoryClient(BoardPorts.rootDirectory(TestPool.KEY), pool.board("b1").rpc(), 5 * SECOND);
    await(() -> {
      try {
        return ns.list("/pool").size() == BOARDS.size();
      } catch (Exception e) {
        return false;
      }
    }, "every board under /pool");

    KernelProcess first = pool.board("b4").startService("boot", List.of("--store", "directory", "--tick-ms", "50"));
    await(() -> stdout(first).contains("boot server on b4"), "the first boot server");
    assertTrue(stdout(first).contains("boot: state in the directory at /services/boot"), stdout(first));

    BootClient client = new BootClient(pool.board("b1").rpc()::trans, 10 * SECOND);
    client.add(BOOT, new ServiceSpec("svc", new Launch("builtin:sleeper", List.of(), Constraints.ANY), 2, 200, 0));
    await(() -> {
      BootClient.Listing l = list(client);
      return l != null && l.services().get(0).instances().size() == 2;
    }, "two instances");
    List<BootClient.InstanceView> started = client.list(BOOT).services().get(0).instances();
    BulletClient bullet = new BulletClient(pool.board("b1").rpc(), BulletClient.Options.sequential());
    CapabilitySet saved = ns.lookup(DirectoryBootStore.PATH);
    BootStore.State state = BootStore.State.decode(bullet.readAll(saved, BootStore.State.MAX_BYTES), "the row");
    assertEquals(List.of("svc"), state.services().stream().map(ServiceSpec::name).toList());
    assertEquals(2, state.instances().size(), "both instances are in the directory's copy");
    assertEquals(Math.min(2, BOARDS.size()), saved.capabilities().size(), "the state file has two replicas");

    pool.board("b4").close(); // the boot server is lost with its board (and its storage with it)
    BootClient.InstanceView dead = started.get(0);
    BootClient.InstanceView alive = started.get(1);
    new ProcessClient(pool.board("b1").rpc(), 5 * SECOND)
        .kill(BoardPorts.owner(TestPool.KEY, BoardPorts.PROCESS, dead.board()), dead.pid()); // dies meanwhile
    assertEquals(1, sleepers());

    KernelProcess second = pool.board("b3").startService("boot", List.of("--tick-ms", "50")); // --store auto
    await(() -> stdout(second).contains("boot server on b3: 1 service(s)"), "the second boot server: " + stdout(second));
    assertTrue(stdout(second).contains("boot: state in the directory"), stdout(second));
    // what `amoeba services ls` shows; the first call may meet the port cached for b4 (FAILURE)
    BootClient.Listing after = Eventually.first(() -> list(client), 10 * SECOND);
    assertNotNull(after, "the second boot server answers LIST");
    assertTrue(after.events().stream().anyMatch(e -> e.text().equals("adopted on " + alive.board() + " pid " + alive.pid())),
        after.events().toString());
    assertTrue(after.events().stream().anyMatch(e -> e.text().startsWith("lost on " + dead.board() + " pid " + dead.pid())),
        after.events().toString());
    await(() -> {
      BootClient.Listing l = list(client);
      return l != null && l.services().get(0).instances().size() == 2 && sleepers() == 2;
    }, "the lost instance restarted");
    List<BootClient.InstanceView> now = client.list(BOOT).services().get(0).instances();
    assertTrue(now.stream().anyMatch(i -> i.board().equals(alive.board()) && i.pid() == alive.pid()), "the live one kept: " + now);
    assertFalse(Files.exists(dir.resolve("b3").resolve("programs").resolve("boot").resolve("services.state")),
        "no local state file");
    CapabilitySet rewritten = ns.lookup(DirectoryBootStore.PATH);
    assertNotEquals(saved, rewritten, "each save writes a new file");
    for (Capability c : saved.capabilities()) {
      assertEquals(BulletClient.ReplicaState.LOST, bullet.probe(c), "the old state file was destroyed (or lost with b4)");
    }
    assertNotNull(BootStore.State.decode(bullet.readAll(rewritten, BootStore.State.MAX_BYTES), "the row"));
    bullet.close();
  }
}
