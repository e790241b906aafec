package amoeba.flip.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DropCountersTest {
  @Test
  void countsPerReasonAcrossThreads() throws Exception {
    DropCounters c = new DropCounters();
    assertEquals("drops{}", c.toString());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      pool.execute(
          () -> {
            for (int i = 0; i < 10_000; i++) {
              c.increment(DropReason.BAD_TAG);
              c.increment(i % 2 == 0 ? DropReason.REPLAY : DropReason.HOP_LIMIT);
            }
          });
    }
    pool.shutdown();
    assertEquals(true, pool.awaitTermination(30, TimeUnit.SECONDS));
    assertEquals(40_000, c.get(DropReason.BAD_TAG));
    assertEquals(20_000, c.get(DropReason.REPLAY));
    assertEquals(80_000, c.total());
    Map<DropReason, Long> snap = c.snapshot();
    assertEquals(DropReason.values().length, snap.size());
    assertEquals(20_000L, snap.get(DropReason.HOP_LIMIT));
    assertEquals(0L, snap.get(DropReason.NO_ROUTE));
    assertEquals("drops{BAD_TAG=40000, REPLAY=20000, HOP_LIMIT=20000}", c.toString());
  }

  @Test
  void everyReasonIsDescribed() {
    for (DropReason r : DropReason.values()) {
      assertFalse(r.description().isBlank(), r.toString());
    }
  }
}
