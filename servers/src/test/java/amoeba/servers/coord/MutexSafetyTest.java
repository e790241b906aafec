package amoeba.servers.coord;

import static amoeba.servers.coord.CoordPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Safety under loss, duplication and reordering (5% each, on every box's receive side): five
 * participants each enter {@link Workload#entries} times and the recorded critical sections
 * never overlap, per algorithm. {@code -Dcoord.entries=200} runs the 200 each.
 */
class MutexSafetyTest {
  static final int PARTICIPANTS = 5;
  static final int ENTRIES = Workload.entries(20);

  @Test
  void central() throws Exception {
    try (CoordPool pool = new CoordPool(11, 0, CoordPool.PEER)) {
      pool.startLockServer();
      Map<String, RemoteLock> locks = new LinkedHashMap<>();
      for (int i = 1; i <= PARTICIPANTS; i++) {
        locks.put("c" + i, pool.centralClient("c" + i, 5_000));
      }
      pool.faults(0.05, 0.05, 0.05);
      Workload w = new Workload();
      w.run(locks, "motor", ENTRIES, 60 * SECOND);
      w.assertSafeAndComplete(PARTICIPANTS * ENTRIES);
      locks.values().forEach(RemoteLock::close);
    }
  }

  @Test
  void ring() throws Exception {
    peers(Algorithm.RING, 12);
  }

  @Test
  void ricartAgrawala() throws Exception {
    peers(Algorithm.RICART, 13);
  }

  private void peers(Algorithm algo, long seed) throws Exception {
    try (CoordPool pool = new CoordPool(seed, PARTICIPANTS, CoordPool.PEER).startAll()) {
      pool.faults(0.05, 0.05, 0.05);
      Map<String, Lock> locks = new LinkedHashMap<>();
      pool.names.forEach(n -> locks.put(n, pool.nodes.get(n).lock(algo)));
      Workload w = new Workload();
      w.run(locks, "motor", ENTRIES, 60 * SECOND);
      w.assertSafeAndComplete(PARTICIPANTS * ENTRIES);
      if (algo == Algorithm.RING) {
        long conflicts = pool.nodes.values().stream().mapToLong(n -> n.ring().conflicts()).sum();
        assertEquals(0, conflicts, "no participant ever received a second token");
      }
    }
  }
}
