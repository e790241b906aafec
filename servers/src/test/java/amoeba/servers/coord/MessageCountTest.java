package amoeba.servers.coord;

import static amoeba.servers.coord.CoordPool.MS;
import static amoeba.servers.coord.CoordPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fault-free runs under contention: the counted protocol messages equal the textbook formulas
 * exactly. Central: 3 per entry (request, grant, release). Ricart-Agrawala: 2(n-1). Token
 * ring: 1 pass between consecutive entries while every participant wants the token.
 */
class MessageCountTest {
  static final int N = 5;
  static final int ENTRIES = 10;

  @Test
  void centralCostsThreePerEntry() throws Exception {
    try (CoordPool pool = new CoordPool(31, 0, CoordPool.PEER)) {
      pool.startLockServer();
      Map<String, RemoteLock> locks = new LinkedHashMap<>();
      for (int i = 1; i <= N; i++) {
        locks.put("c" + i, pool.centralClient("c" + i, 5_000));
      }
      Workload w = new Workload();
      w.run(locks, "m", ENTRIES, 30 * SECOND);
      w.assertSafeAndComplete(N * ENTRIES);
      assertEquals(N * ENTRIES, pool.lockServer.table().entries());
      assertEquals(3L * N * ENTRIES, pool.lockServer.table().messages());
      locks.values().forEach(RemoteLock::close);
    }
  }

  @Test
  void ricartAgrawalaCostsTwoNMinusOne() throws Exception {
    // Probes never fire here: their interval exceeds the whole run.
    try (CoordPool pool = new CoordPool(32, N, CoordPool.PEER.withTimers(600 * MS, 2 * MS, 60 * SECOND)).startAll()) {
      Map<String, Lock> locks = new LinkedHashMap<>();
      pool.names.forEach(n -> locks.put(n, pool.nodes.get(n).lock(Algorithm.RICART)));
      Workload w = new Workload();
      w.run(locks, "m", ENTRIES, 30 * SECOND);
      w.assertSafeAndComplete(N * ENTRIES);
      long messages = pool.nodes.values().stream().mapToLong(n -> n.ricart().messages()).sum();
      assertEquals(2L * (N - 1) * N * ENTRIES, messages);
    }
  }

  @Test
  void ringCostsOnePassPerEntryUnderSaturation() throws Exception {
    // A long idle hold: a participant that is about to want the token again keeps it.
    try (CoordPool pool = new CoordPool(33, N, CoordPool.PEER.withTimers(5 * SECOND, 300 * MS, 400 * MS)).startAll()) {
      CoordNode first = pool.nodes.get("n1");
      first.lock(Algorithm.RING).release(first.lock(Algorithm.RING).acquire("m", 10 * SECOND).orElseThrow());
      Map<String, Lock> locks = new LinkedHashMap<>();
      List<CoordNode> nodes = pool.names.stream().map(pool.nodes::get).toList();
      List<Long> passesAtEntry = new java.util.concurrent.CopyOnWriteArrayList<>();
      pool.names.forEach(n -> locks.put(n, new Lock() {
        final Lock inner = pool.nodes.get(n).lock(Algorithm.RING);

        @Override
        public java.util.Optional<Grant> acquire(String name, long t) throws amoeba.ipc.rpc.RpcException, InterruptedException {
          java.util.Optional<Grant> g = inner.acquire(name, t);
          passesAtEntry.add(nodes.stream().mapToLong(x -> x.link().sent(CoordCommand.RING_TOKEN)).sum());
          return g;
        }

        @Override
        public void release(Grant g) throws amoeba.ipc.rpc.RpcException {
          inner.release(g);
        }

        @Override
        public LockStatus status(String name) throws amoeba.ipc.rpc.RpcException {
          return inner.status(name);
        }
      }));
      Workload w = new Workload();
      w.run(locks, "m", ENTRIES, 30 * SECOND);
      w.assertSafeAndComplete(N * ENTRIES);
      // Entries are serialized by the token, so the samples are in entry order; skip the first
      // round (participants start wanting at different moments).
      List<Long> steady = passesAtEntry.subList(N, passesAtEntry.size());
      for (int i = 1; i < steady.size(); i++) {
        assertEquals(1, steady.get(i) - steady.get(i - 1), "passes between entries " + steady);
      }
    }
  }
}
