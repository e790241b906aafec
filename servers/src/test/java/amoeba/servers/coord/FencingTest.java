package amoeba.servers.coord;

import static amoeba.servers.coord.CoordPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.servers.coord.central.LockTable;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fences refuse a paused-then-resumed holder; leases, FIFO and restart of the lock table. */
class FencingTest {
  static final long MS = 1_000_000L;

  @TempDir Path dir;

  @Test
  void aResourceRefusesAPausedHolderAfterItsLeaseWasGivenAway() throws Exception {
    try (CoordPool pool = new CoordPool(51, 0, CoordPool.PEER)) {
      pool.startLockServer();
      FencedResource motor = new FencedResource();
      RemoteLock a = pool.centralClient("a", 300);
      RemoteLock b = pool.centralClient("b", 5_000);
      Grant old = a.acquire("motor", 5 * SECOND).orElseThrow();
      assertTrue(motor.admit(old.fence()), "the holder acts");
      a.close(); // a pauses (GC, SIGSTOP): it stops renewing but still believes it holds the lock
      Grant next = b.acquire("motor", 5 * SECOND).orElseThrow(); // granted once a's lease ended
      assertTrue(next.fence() > old.fence());
      assertTrue(motor.admit(next.fence()));
      assertFalse(motor.admit(old.fence()), "a wakes up and is refused");
      assertEquals(1, motor.refused());
      b.release(next);
      b.close();
    }
  }

  @Test
  void leasesExpireInFifoOrderOnAnInjectedClock() throws Exception {
    AtomicLong now = new AtomicLong();
    LockTable t = new LockTable(now::get, dir);
    assertTrue(t.acquire("m", 1, "a", 1000, 0).granted());
    assertFalse(t.acquire("m", 2, "b", 1000, 0).granted());
    LockTable.Acquired c = t.acquire("m", 3, "c", 1000, 0);
    assertEquals(2, c.position(), "c queues behind b");
    now.addAndGet(999 * MS);
    t.tick();
    assertFalse(t.acquire("m", 2, "b", 1000, 0).granted(), "a's lease still runs");
    now.addAndGet(MS);
    t.tick();
    assertTrue(t.acquire("m", 2, "b", 1000, 0).granted(), "first in the queue, first served");
    assertFalse(t.renew("m", 1, 1, 1000, "a"), "a lost it");
  }

  @Test
  void aRestartedServerKeepsFencesAboveAndHoldersReestablishTheirLeases() throws Exception {
    AtomicLong now = new AtomicLong();
    LockTable before = new LockTable(now::get, dir);
    LockTable.Acquired a = before.acquire("m", 1, "a", 2000, 0);
    assertTrue(a.granted());
    // The server crashes and restarts over the same storage.
    LockTable after = new LockTable(now::get, dir);
    assertFalse(after.acquire("m", 2, "b", 2000, 0).granted(), "nothing granted in the grace period");
    assertTrue(after.renew("m", 1, a.fence(), 2000, "a"), "the old holder re-establishes its lease");
    now.addAndGet(2001 * MS);
    after.tick();
    LockTable.Acquired b = after.acquire("m", 2, "b", 2000, 0);
    assertTrue(b.granted(), "a stopped renewing: b gets it");
    assertTrue(b.fence() > a.fence(), "fences continue above the previous incarnation's");
  }
}
