package amoeba.servers.directory;

import amoeba.servers.Eventually;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.StdCommand;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupMember;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.Kernel;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.Wire;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replicated directory on three in-JVM boards: operations, partitions, restarts. */
class DirectoryReplicationTest {
  @TempDir Path dir;
  DirectoryCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static CapabilitySet value(long v) {
    return CapabilitySet.of(new Capability(new Port(0xABCDEFL), (int) v, 0xFF, 0x123456L));
  }

  /**
   * Enters a row, trying again while the pool fails over (NOTNOW, or FAILURE: maybe applied; a
   * retry that finds the row taken by its own earlier try is done).
   */
  static void enterRetrying(DirectoryClient c, String path, CapabilitySet set) throws Exception {
    boolean[] retried = {false};
    Boolean entered = Eventually.first(() -> {
      try {
        c.enter(path, set);
        return true;
      } catch (RpcException e) {
        if (retried[0] && e.status() == ErrorCode.EXISTS.code() && set.equals(lookupRetrying(c, path))) {
          return true;
        }
        if (e.status() != ErrorCode.NOTNOW.code() && e.status() != ErrorCode.FAILURE.code()) {
          throw e;
        }
        retried[0] = true;
        return null; // failing over: again
      }
    }, 20 * DirectoryCluster.SECOND);
    if (entered == null) {
      throw new AssertionError("no update accepted: " + path + DirectoryCluster.diagnostics());
    }
  }

  /** A lookup, trying again while the replica refuses during a failover (NOTNOW). */
  static CapabilitySet lookupRetrying(DirectoryClient c, String path) throws Exception {
    return retrying(() -> c.lookup(path));
  }

  /** A read (never null), tried again while the replica refuses during a failover (NOTNOW). */
  static <T> T retrying(java.util.concurrent.Callable<T> read) throws Exception {
    RpcException[] last = {null};
    T result = Eventually.first(() -> {
      try {
        return read.call();
      } catch (RpcException e) {
        if (e.status() != ErrorCode.NOTNOW.code()) {
          throw e;
        }
        last[0] = e;
        return null;
      }
    }, 20 * DirectoryCluster.SECOND);
    if (result == null) {
      throw last[0];
    }
    return result;
  }


  @Test
  void everyReplicaServesTheSameNamespace() throws Exception {
    cluster = new DirectoryCluster(dir, 1).start();
    DirectoryClient c1 = cluster.client("b1");
    assertEquals(List.of("bin", "dev", "home", "pool", "services"),
        c1.list("/").stream().map(Namespace.Entry::name).toList(), "the layout");
    c1.mkdir("/home/alice");
    c1.enter("/home/alice/notes", value(7));
    // A read at another replica right after the update completed sees it (linearizable).
    assertEquals(value(7), cluster.client("b2").lookup("/home/alice/notes"));
    assertEquals(value(7), cluster.client("b3").lookup("home/alice/notes"));
    RpcException taken = assertThrows(RpcException.class, () -> cluster.client("b3").enter("/home/alice/notes", value(8)));
    assertEquals(ErrorCode.EXISTS.code(), taken.status());
    cluster.client("b3").replace("/home/alice/notes", value(9));
    assertEquals(value(9), c1.lookup("/home/alice/notes"));

    long seq = c1.seqno(c1.root(), "home/alice");
    c1.chmod(c1.root(), "home/alice/notes", 0xFF, 0x02, 0x00);
    assertArrayEquals(new int[] {0xFF, 0x02, 0x00}, c1.getmasks(c1.root(), "home/alice/notes"));
    assertTrue(c1.seqno(c1.root(), "home/alice") > seq, "chmod bumps the sequence number");

    // install: all or nothing, with compare
    RpcException stale = assertThrows(RpcException.class, () -> c1.install(c1.root(), List.of(
        new DirectoryClient.InstallItem("home/alice/a", false, null, value(1)),
        new DirectoryClient.InstallItem("home/alice/notes", true, value(1), value(2)))));
    assertEquals(ErrorCode.EXISTS.code(), stale.status());
    assertThrows(RpcException.class, () -> c1.lookup("/home/alice/a"), "nothing of a failed install applied");
    c1.install(c1.root(), List.of(
        new DirectoryClient.InstallItem("home/alice/a", true, null, value(1)),
        new DirectoryClient.InstallItem("home/alice/notes", true, value(9), value(2))));
    assertEquals(value(2), cluster.client("b2").lookup("/home/alice/notes"));
    assertEquals(value(1), cluster.client("b3").lookup("/home/alice/a"));

    cluster.client("b2").remove("/home/alice/a");
    RpcException gone = assertThrows(RpcException.class, () -> c1.lookup("/home/alice/a"));
    assertEquals(ErrorCode.NO_SUCH_OBJECT.code(), gone.status());
    long index = cluster.index("b1");
    DirectoryCluster.await(() -> cluster.index("b2") == index && cluster.index("b3") == index,
        5 * DirectoryCluster.SECOND, "same index everywhere");
  }

  @Test
  void aMinorityAcceptsNothingAndAHealedPoolConverges() throws Exception {
    cluster = new DirectoryCluster(dir, 2).start();
    cluster.client("b1").mkdir("/home/p");
    long before = cluster.index("b1");
    cluster.partition(Set.of("b1"), Set.of("b2", "b3"));

    // The majority side serves updates (once it has noticed, if b1 was its sequencer).
    DirectoryClient c2 = cluster.client("b2");
    DirectoryCluster.await(() -> {
      try {
        c2.enter("/home/p/majority", value(1));
        return true;
      } catch (RpcException e) {
        return e.status() == ErrorCode.EXISTS.code(); // an earlier try applied after all
      }
    }, 10 * DirectoryCluster.SECOND, "the majority accepting an update");
    assertEquals(value(1), lookupRetrying(cluster.client("b3"), "/home/p/majority"));

    // The minority side: every update and read refused (never OK), nothing applied there.
    DirectoryClient c1 = cluster.client("b1");
    for (int i = 0; i < 3; i++) {
      int n = i;
      RpcException e = assertThrows(RpcException.class, () -> c1.enter("/home/p/minority" + n, value(n)));
      assertTrue(e.status() == ErrorCode.NOTNOW.code() || e.status() == ErrorCode.FAILURE.code(), e.getMessage());
      RpcException r = assertThrows(RpcException.class, () -> c1.lookup("/home/p/majority"));
      assertEquals(ErrorCode.NOTNOW.code(), r.status(), r.getMessage());
    }
    assertEquals(before, cluster.index("b1"), "the minority applied nothing");
    assertNotEquals("true", cluster.status("b1").get("serving"));

    cluster.heal();
    cluster.awaitServing("b1");
    assertEquals(value(1), lookupRetrying(c1, "/home/p/majority"), "the healed replica caught up");
    long index = cluster.index("b2");
    DirectoryCluster.await(() -> cluster.index("b1") == cluster.index("b2")
        && cluster.index("b3") == cluster.index("b2") && cluster.index("b2") >= index,
        10 * DirectoryCluster.SECOND, "converged indexes");
    List<Namespace.Entry> l1 = retrying(() -> c1.list("/home/p"));
    assertEquals(l1, retrying(() -> cluster.client("b2").list("/home/p")));
    assertEquals(l1, retrying(() -> cluster.client("b3").list("/home/p")));
  }

  @Test
  void aRestartedReplicaCatchesUpFromItsStorageAndTheOthers() throws Exception {
    cluster = new DirectoryCluster(dir, 3).start();
    DirectoryClient c1 = cluster.client("b1");
    c1.mkdir("/home/r");
    c1.enter("/home/r/before", value(1));
    // As the others see a crash: b3 goes silent first (nothing of its leave gets out).
    cluster.nets.get("b3").setLossProbability(1.0);
    cluster.stop("b3");
    for (int i = 0; i < 20; i++) {
      enterRetrying(c1, "/home/r/while" + i, value(i));
    }
    cluster.boot("b3");
    cluster.awaitServing("b3");
    DirectoryClient c3 = cluster.client("b3");
    assertEquals(value(1), lookupRetrying(c3, "/home/r/before"));
    assertEquals(value(19), lookupRetrying(c3, "/home/r/while19"));
    enterRetrying(c3, "/home/r/after", value(5));
    assertEquals(value(5), lookupRetrying(c1, "/home/r/after"));
    assertEquals(cluster.index("b1"), cluster.index("b3"));
  }

  /**
   * A joiner fetches the state as of its own SYNC mark; what was ordered before the mark is in
   * that state and must not be applied again. b3's packets arrive 40 ms late while b1 keeps
   * replacing a row: the others deliver b3's mark long before b3 does, so a fetch answered then
   * finds b3 still short of its mark (it applied the rows before it twice, once fetched and once
   * delivered, and its index ran ahead of the others' for good).
   */
  @Test
  void aJoinerAppliesWhatPrecedesItsMarkOnlyOnce() throws Exception {
    cluster = new DirectoryCluster(dir, 5).start();
    DirectoryClient c1 = cluster.client("b1");
    c1.mkdir("/home/j");
    enterRetrying(c1, "/home/j/row", value(0));
    cluster.stop("b3");
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger replaced = new AtomicInteger();
    Thread writer = new Thread(() -> {
      for (int i = 1; writing.get() && i < 100_000; i++) {
        try {
          c1.replace("/home/j/row", value(i));
          replaced.incrementAndGet();
        } catch (RpcException e) {
          // failing over while b3 joins: the next replace tries again
        }
      }
    }, "replacing");
    writer.start();
    try {
      cluster.bootBare("b3");
      cluster.nets.get("b3").setDelay(40_000_000L, 0);
      cluster.kernels.get("b3").startService("dir", DirectoryCluster.ARGS);
      cluster.awaitServing("b3");
      cluster.nets.get("b3").setDelay(0, 0);
      int before = replaced.get();
      DirectoryCluster.await(() -> replaced.get() > before + 20, 20 * DirectoryCluster.SECOND, "replaces after the join");
    } finally {
      writing.set(false);
      writer.join(10_000);
    }
    long index = cluster.index("b1");
    DirectoryCluster.await(() -> cluster.index("b2") == index && cluster.index("b3") == index,
        5 * DirectoryCluster.SECOND, "the same index everywhere (b1 " + index + ")");
    assertEquals(c1.lookup("/home/j/row"), lookupRetrying(cluster.client("b3"), "/home/j/row"));
  }

  /**
   * A replica that has not applied an update must not judge capabilities by its old state: not
   * NO_SUCH_OBJECT for a directory the pool has made, not OK for one the pool has revoked. (Its
   * object table mirrors the applied state; it was checked before ordering, and a client routed
   * a create through the leader and its revoke to a replica that had not caught up yet.)
   */
  @Test
  void aReplicaThatHasNotCaughtUpNeverJudgesACapabilityByItsOldState() throws Exception {
    cluster = new DirectoryCluster(dir, 5).start();
    String lag = DirectoryCluster.BOARDS.stream().filter(b -> !"true".equals(cluster.status(b).get("sequencer")))
        .findFirst().orElseThrow();
    String other = DirectoryCluster.BOARDS.stream().filter(b -> !b.equals(lag)).findFirst().orElseThrow();
    DirectoryClient c = cluster.client(other);
    c.mkdir("/home/lag");
    Capability old = c.create(c.root(), "home/lag/old", List.of("owner"));
    long index = cluster.index(other);
    DirectoryCluster.await(() -> cluster.index(lag) == index, 5 * DirectoryCluster.SECOND, lag + " has the create");

    cluster.partition(Set.of(lag), Set.copyOf(DirectoryCluster.BOARDS.stream().filter(b -> !b.equals(lag)).toList()));
    Capability made = retrying(() -> c.create(c.root(), "home/lag/made", List.of("owner")));
    Capability fresh = retrying(() -> c.revoke(old));
    for (Capability cap : List.of(made, old, fresh)) {
      for (int command : List.of(StdCommand.STD_INFO.code(), DirectoryCommand.LIST.code())) {
        RpcMessage r = cluster.kernels.get(lag).rpc().trans(new RpcMessage().capability(cap).command(command)
            .data(new Wire.Out().str("").buffer()), 5 * DirectoryCluster.SECOND);
        assertEquals(ErrorCode.NOTNOW.code(), r.status(), lag + " cut off, command " + command + " on " + cap);
      }
    }

    cluster.heal();
    DirectoryClient atLag = cluster.client(lag);
    assertNotEquals(made, retrying(() -> atLag.revoke(made)), "the made directory is there at " + lag + " once healed");
    RpcException revoked = assertThrows(RpcException.class, () -> retrying(() -> atLag.list(old, "")));
    assertEquals(ErrorCode.CAPBAD.code(), revoked.status());
    assertTrue(retrying(() -> atLag.list(fresh, "")).rows().isEmpty());
  }

  /**
   * A ghost (a join that got in at the creator, its joiner gone) makes the creator's group
   * {b1, ghost}: neither the ghost's EXPEL nor another JOIN can be accepted there, and b2 and b3
   * joined it again and again for ever (seen in a soak). The creator must give that group up.
   */
  @Test
  void aGhostJoinerAtFormationDoesNotKeepThePoolFromForming() throws Exception {
    cluster = new DirectoryCluster(dir, 7);
    cluster.boot("b1");
    DirectoryCluster.await(() -> "1".equals(cluster.status("b1").get("view")), 20 * DirectoryCluster.SECOND,
        "b1 created the group");
    Kernel ghostBoard = cluster.bootBare("b2");
    long groupPort = BoardPorts.getPort(DirectoryCluster.KEY, DirectoryReplica.GROUP_SERVICE, BoardPorts.POOL).value();
    GroupMember ghost = GroupMember.join(ghostBoard.box(), groupPort, GroupConfig.defaults(), 5 * DirectoryCluster.SECOND);
    DirectoryCluster.await(() -> "2".equals(cluster.status("b1").get("view")), 5 * DirectoryCluster.SECOND,
        "the ghost accepted at b1");
    ghost.close(); // gone without a LEAVE, as a joiner whose join timed out
    ghostBoard.startService("dir", DirectoryCluster.ARGS);
    cluster.boot("b3");
    for (String b : DirectoryCluster.BOARDS) {
      cluster.awaitServing(b);
    }
    DirectoryClient c = cluster.client("b3");
    enterRetrying(c, "/home/ghost", value(1));
    assertEquals(value(1), lookupRetrying(cluster.client("b1"), "/home/ghost"));
  }
}
