package amoeba.servers.bullet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.BoardList;
import amoeba.servers.Eventually;
import amoeba.servers.TestPool;
import amoeba.servers.boot.BootStore;
import amoeba.servers.boot.DirectoryBootStore;
import amoeba.servers.boot.ServiceSpec;
import amoeba.servers.run.Constraints;
import amoeba.servers.run.Launch;
import amoeba.servers.directory.CapabilitySet;
import amoeba.servers.directory.DirectoryClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The re-replication pass on four in-JVM boards: b1 holds the directory (one replica), b2..b4
 * a Bullet server each; files of two replicas lose a holder with its board.
 */
class ReplicaRepairTest {
  static final long SECOND = 1_000_000_000L;
  static final int CHUNK = 4096;
  static final List<String> BULLETS = List.of("b2", "b3", "b4");

  @TempDir Path dir;
  TestPool pool;
  DirectoryClient ns;
  BulletClient bullet;
  ReplicaRepair repair;

  @BeforeEach
  void boot() throws Exception {
    pool = new TestPool(dir, "b1", "b2", "b3", "b4");
    pool.board("b1").startService("dir", List.of("b1", "--heartbeat-ms", "5", "--fail-ms", "300"));
    for (String b : BULLETS) {
      pool.board(b).startService(BulletServer.SERVICE, List.of());
    }
    ns = new DirectoryClient(BoardPorts.rootDirectory(TestPool.KEY), pool.board("b1").rpc(), 5 * SECOND);
    assertTrue(Eventually.holds(() -> {
      try {
        ns.lookup("/home");
        return true;
      } catch (Exception e) {
        return false;
      }
    }, 20 * SECOND), "the directory serves");
    // 1 s per call: a lost replica costs a probe that much before the RPC layer relocates
    bullet = new BulletClient(pool.board("b1").rpc(), new BulletClient.Options(CHUNK, 2, SECOND));
    repair = new ReplicaRepair(ns, bullet, BulletServers.of(BoardList.of(BULLETS), ReplicaRepairTest::server, new Random(7)));
  }

  @AfterEach
  void close() {
    bullet.close();
    pool.close();
  }

  static Capability server(String board) {
    return BoardPorts.owner(TestPool.KEY, BulletServer.SERVICE, board);
  }

  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  /** Committed files on a board's Bullet server. */
  long filesOn(String board) throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve(board).resolve("programs").resolve("bullet").resolve("files"))) {
      return s.count();
    }
  }

  @Test
  void aPassRestoresTwoLiveReplicasWithTheSameBytesAfterAHolderIsLost() throws Exception {
    byte[] data = bytes(3 * CHUNK + 7, 1);
    CapabilitySet notes = bullet.create(data, List.of(server("b2"), server("b3")), 2, true);
    ns.mkdir("/home/alice");
    ns.enter("/home/alice/notes", notes);
    CapabilitySet tool = bullet.create(bytes(100, 2), List.of(server("b3"), server("b4")), 2, true);
    ns.enter("/bin/tool", tool);

    pool.board("b2").close(); // a holder of /home/alice/notes is lost with its board
    ReplicaRepair.Report report = repair.pass(List.of("/bin", "/home", "/pool"));
    assertEquals(2, report.files(), report.notes().toString());
    assertEquals(1, report.repaired(), report.notes().toString());
    assertEquals(0, report.failed(), report.notes().toString());

    CapabilitySet restored = ns.lookup("/home/alice/notes");
    assertEquals(2, restored.capabilities().size());
    assertEquals(notes.capabilities().get(1), restored.first(), "the live replica (b3) is kept");
    assertEquals(server("b4").port(), restored.capabilities().get(1).port(), "the copy is on the board that held none");
    for (Capability c : restored.capabilities()) {
      assertEquals(BulletClient.ReplicaState.LIVE, bullet.probe(c));
      assertArrayEquals(sha256(data), sha256(bullet.readAll(CapabilitySet.of(c), Integer.MAX_VALUE)), "same checksum");
    }
    assertArrayEquals(data, bullet.readAll(restored, Integer.MAX_VALUE), "readable with the original holder gone");
    assertEquals(tool, ns.lookup("/bin/tool"), "a healthy file's row is untouched");

    pool.board("b3").close(); // the other original holder too: only the copy is left
    assertArrayEquals(data, bullet.readAll(restored, Integer.MAX_VALUE), "the copy alone serves the file");
    ReplicaRepair.Report second = repair.pass(List.of("/home"));
    assertEquals(1, second.failed(), "one live replica and no server without one: " + second.notes());
    assertEquals(restored, ns.lookup("/home/alice/notes"), "a failed repair changes nothing");
  }

  @Test
  void aRowUpdatedDuringTheRepairKeepsTheUpdateAndTheCopiesAreDestroyed() throws Exception {
    CapabilitySet old = bullet.create(bytes(500, 3), List.of(server("b2"), server("b3")), 2, true);
    ns.enter("/home/f", old);
    pool.board("b2").close();
    CapabilitySet newer = bullet.create(bytes(600, 4), List.of(server("b3"), server("b4")), 2, true);
    ns.replace("/home/f", newer); // someone writes the file anew while the pass holds the old set
    long onB4 = filesOn("b4");

    List<String> notes = new ArrayList<>();
    ReplicaRepair.Outcome outcome = repair.repair("/home/f", old, List.of(server("b3"), server("b4")), notes);
    assertEquals(ReplicaRepair.Outcome.SKIPPED, outcome, notes.toString());
    assertTrue(notes.get(0).contains("changed meanwhile"), notes.toString());
    assertEquals(newer, ns.lookup("/home/f"), "the concurrent update is not lost");
    assertEquals(onB4, filesOn("b4"), "the copy made for the old set was destroyed");
    assertFalse(repair.pass(List.of("/home")).repaired() > 0, "the newer set is healthy");
  }

  static BootStore.State state(String service) {
    return new BootStore.State(List.of(new ServiceSpec(service, new Launch("builtin:sleeper", List.of(), Constraints.ANY), 1, 1000, 0)), List.of());
  }

  @Test
  void theBootStateSurvivesARepairOfItsFileAndASecondBootServerSupersedesTheFirst() throws Exception {
    BulletServers servers = BulletServers.of(BoardList.of(BULLETS), ReplicaRepairTest::server, new Random(1));
    DirectoryBootStore store = new DirectoryBootStore(ns, bullet, servers, 2, BootStore.inMemory());
    assertEquals(BootStore.State.EMPTY, store.load(), "no row yet");
    store.save(state("a"));
    CapabilitySet first = ns.lookup(DirectoryBootStore.PATH);
    String holder = BULLETS.stream().filter(b -> server(b).port().equals(first.first().port())).findFirst().orElseThrow();
    pool.board(holder).close();
    assertEquals(1, repair.pass(List.of("/services")).repaired(), "the state file's lost replica is replaced");
    assertNotEquals(first, ns.lookup(DirectoryBootStore.PATH));

    store.save(state("b")); // the row changed under the store, but to the same bytes: not another writer
    assertFalse(store.superseded());
    assertEquals(state("b"), new DirectoryBootStore(ns, bullet, servers, 2, BootStore.inMemory()).load());

    DirectoryBootStore newer = new DirectoryBootStore(ns, bullet, servers, 2, BootStore.inMemory());
    assertEquals(state("b"), newer.load());
    newer.save(state("c"));
    assertThrows(IOException.class, () -> store.save(state("d")), "the older boot server no longer saves");
    assertTrue(store.superseded());
    assertEquals(state("c"), newer.load(), "the newer state is kept");
  }
}
