package amoeba.servers.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Participants entering a lock many times each, recording their critical sections. */
final class Workload {
  /** Entries per participant: {@code -Dcoord.entries=200} (the figure) for long runs. */
  static int entries(int small) {
    return Integer.getInteger("coord.entries", small);
  }

  final CriticalSections sections = new CriticalSections();
  final Map<String, Throwable> failures = new ConcurrentHashMap<>();

  /** Runs {@code times} entries per lock, each on a thread of its own; waits for all. */
  void run(Map<String, ? extends Lock> locks, String name, int times, long timeoutNanos)
      throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    locks.forEach((who, lock) -> {
      Thread t = new Thread(() -> {
        try {
          for (int i = 0; i < times; i++) {
            Optional<Grant> g = lock.acquire(name, timeoutNanos);
            if (g.isEmpty()) {
              throw new AssertionError(who + " timed out at entry " + i);
            }
            long enter = sections.enter();
            Thread.onSpinWait();
            sections.exit(who, enter, g.get().fence());
            lock.release(g.get());
          }
        } catch (Throwable e) {
          failures.put(who, e);
        }
      }, "workload-" + who);
      threads.add(t);
      t.start();
    });
    for (Thread t : threads) {
      t.join();
    }
  }

  void assertSafeAndComplete(int expectedEntries) {
    assertEquals(Map.of(), failures, "every participant finished");
    assertEquals(0, sections.collisions(), "nobody entered while another was inside");
    assertEquals(0, sections.overlaps(), "no two recorded critical sections overlap");
    assertEquals(0, sections.fenceInversions(), "fences increase with every entry");
    assertEquals(expectedEntries, sections.count());
  }
}
