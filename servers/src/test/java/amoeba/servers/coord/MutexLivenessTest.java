package amoeba.servers.coord;

import static amoeba.servers.coord.CoordPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Liveness after crashes: a non-holder crashes and the others still enter; the holder crashes
 * inside its critical section and the lease (central), the token regeneration (ring) or the
 * removal of the dead participant (Ricart-Agrawala) lets the others in.
 */
class MutexLivenessTest {
  static final int ENTRIES = 5;

  private static Map<String, Lock> survivors(CoordPool pool, Algorithm algo, String dead) {
    Map<String, Lock> locks = new LinkedHashMap<>();
    pool.names.stream().filter(n -> !n.equals(dead)).forEach(n -> locks.put(n, pool.nodes.get(n).lock(algo)));
    return locks;
  }

  @Test
  void ringSurvivesANonHolderCrash() throws Exception {
    nonHolderCrash(Algorithm.RING, 21);
  }

  @Test
  void ricartSurvivesANonHolderCrash() throws Exception {
    nonHolderCrash(Algorithm.RICART, 22);
  }

  private void nonHolderCrash(Algorithm algo, long seed) throws Exception {
    try (CoordPool pool = new CoordPool(seed, 5, CoordPool.PEER).startAll()) {
      Workload warm = new Workload();
      warm.run(Map.of("n1", pool.nodes.get("n1").lock(algo), "n4", pool.nodes.get("n4").lock(algo)), "m", 2, 20 * SECOND);
      warm.assertSafeAndComplete(4);
      pool.crash("n4");
      Workload w = new Workload();
      w.run(survivors(pool, algo, "n4"), "m", ENTRIES, 30 * SECOND);
      w.assertSafeAndComplete(4 * ENTRIES);
    }
  }

  @Test
  void ringRegeneratesTheTokenOfACrashedHolder() throws Exception {
    try (CoordPool pool = new CoordPool(23, 5, CoordPool.PEER).startAll()) {
      Grant held = pool.nodes.get("n3").lock(Algorithm.RING).acquire("m", 10 * SECOND).orElseThrow();
      pool.crash("n3"); // dies inside its critical section, with the token
      Workload w = new Workload();
      w.run(survivors(pool, Algorithm.RING, "n3"), "m", ENTRIES, 30 * SECOND);
      w.assertSafeAndComplete(4 * ENTRIES);
      // n3 made the first token (it wanted it alone); a survivor regenerated it.
      long regenerations = pool.nodes.values().stream().mapToLong(n -> n.ring().regenerations()).sum();
      assertTrue(regenerations >= 1, "a survivor regenerated the token: " + regenerations);
      assertTrue(w.sections.sorted().get(0).fence() > held.fence(), "the new generation fences above the dead holder");
      assertEquals(0, pool.nodes.values().stream().mapToLong(n -> n.ring().conflicts()).sum());
    }
  }

  @Test
  void ricartRemovesACrashedHolder() throws Exception {
    try (CoordPool pool = new CoordPool(24, 5, CoordPool.PEER).startAll()) {
      pool.nodes.get("n3").lock(Algorithm.RICART).acquire("m", 10 * SECOND).orElseThrow();
      pool.crash("n3"); // dies holding the lock: the others' requests are deferred forever
      Workload w = new Workload();
      w.run(survivors(pool, Algorithm.RICART, "n3"), "m", ENTRIES, 30 * SECOND);
      w.assertSafeAndComplete(4 * ENTRIES);
      for (String n : pool.nodes.keySet()) {
        assertFalse(pool.nodes.get(n).ricart().peers().contains("n3"), n + " removed the dead participant");
      }
    }
  }

  @Test
  void centralLeaseReleasesACrashedHolder() throws Exception {
    try (CoordPool pool = new CoordPool(25, 0, CoordPool.PEER)) {
      pool.startLockServer();
      RemoteLock dying = pool.centralClient("dying", 300);
      Grant held = dying.acquire("m", 5 * SECOND).orElseThrow();
      dying.close(); // crashes: no renewals, no release
      Map<String, RemoteLock> locks = new LinkedHashMap<>();
      for (int i = 1; i <= 3; i++) {
        locks.put("c" + i, pool.centralClient("c" + i, 5_000));
      }
      Workload w = new Workload();
      w.run(locks, "m", ENTRIES, 30 * SECOND);
      w.assertSafeAndComplete(3 * ENTRIES);
      assertTrue(w.sections.sorted().get(0).fence() > held.fence());
      Optional<LockStatus> none = Optional.of(locks.get("c1").status("m"));
      assertFalse(none.get().held(), "released at the end");
      locks.values().forEach(RemoteLock::close);
    }
  }
}
