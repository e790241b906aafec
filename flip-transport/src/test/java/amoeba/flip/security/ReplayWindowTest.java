package amoeba.flip.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {
  @Test
  void inOrderAcceptedOnceEach() {
    ReplayWindow w = new ReplayWindow(16);
    for (int s = 0; s < 5000; s++) {
      assertTrue(w.accept(7, s));
      assertFalse(w.accept(7, s));
    }
    assertEquals(1, w.size());
  }

  @Test
  void unsignedSequencesBeyondTwoToThe31() {
    ReplayWindow w = new ReplayWindow(4);
    assertTrue(w.accept(1, Integer.MAX_VALUE));
    assertTrue(w.accept(1, Integer.MIN_VALUE)); // 2^31 is newer, not older
    assertFalse(w.accept(1, Integer.MAX_VALUE));
    assertTrue(w.accept(1, -1)); // 2^32 - 1
    assertFalse(w.accept(1, Integer.MIN_VALUE)); // now far below the window
  }

  @Test
  void windowEdgeIs1024() {
    ReplayWindow w = new ReplayWindow(4);
    assertTrue(w.accept(1, 5000));
    assertTrue(w.accept(1, 5000 - 1023)); // oldest slot still in the window
    assertFalse(w.accept(1, 5000 - 1024)); // too old
    assertFalse(w.accept(1, 0));
    assertTrue(w.accept(1, 5001));
    assertFalse(w.accept(1, 5000 - 1023)); // seen, and now out of the window anyway
    // A jump of more than a window forgets the bitmap but not the order.
    assertTrue(w.accept(1, 9000));
    assertFalse(w.accept(1, 5001));
    assertTrue(w.accept(1, 8999));
    assertFalse(w.accept(1, 8999));
  }

  @Property
  void reorderedWithinTheWindowAcceptedExactlyOnce(@ForAll long seed) {
    Random random = new Random(seed);
    ReplayWindow w = new ReplayWindow(8);
    // Sequences 0..2999 in blocks of 512 shuffled within the block, each sent twice.
    Set<Integer> accepted = new HashSet<>();
    for (int block = 0; block < 3000; block += 512) {
      List<Integer> seqs = new ArrayList<>();
      for (int s = block; s < Math.min(3000, block + 512); s++) {
        seqs.add(s);
        seqs.add(s);
      }
      Collections.shuffle(seqs, random);
      for (int s : seqs) {
        boolean ok = w.accept(-3, s);
        assertEquals(accepted.add(s), ok, "sequence " + s);
      }
    }
    assertEquals(3000, accepted.size());
  }

  @Test
  void epochsAreIndependent() {
    ReplayWindow w = new ReplayWindow(4);
    assertTrue(w.accept(1, 10));
    assertTrue(w.accept(2, 10));
    assertFalse(w.accept(1, 10));
    assertFalse(w.accept(2, 10));
  }

  @Test
  void tableIsBoundedAndEvictsTheLeastRecentlySeen() {
    ReplayWindow w = new ReplayWindow(100);
    for (long e = 0; e < 100; e++) {
      assertTrue(w.accept(e, 1));
    }
    assertTrue(w.accept(0, 2)); // epoch 0 seen again: now epoch 1 is least recent
    assertTrue(w.accept(1000, 1)); // evicts epoch 1
    assertEquals(100, w.size());
    assertEquals(1, w.evictions());
    assertFalse(w.accept(0, 1)); // remembered
    assertFalse(w.accept(2, 1)); // remembered
    assertTrue(w.accept(1, 1)); // forgotten: the documented limitation, accepted again
    assertEquals(2, w.evictions()); // and that evicted the next least recent (epoch 3)
    assertTrue(w.accept(3, 1));

    // Many epochs through a small table: the bound holds and the index stays consistent.
    Random random = new Random(5);
    ReplayWindow small = new ReplayWindow(37);
    List<Long> recent = new ArrayList<>();
    java.util.Map<Long, Integer> last = new java.util.HashMap<>();
    for (int i = 0; i < 100_000; i++) {
      long e = random.nextInt(200);
      int s = i;
      boolean fresh = small.accept(e, s);
      assertTrue(fresh); // every sequence is new, remembered epoch or not
      last.put(e, s);
      recent.remove(Long.valueOf(e));
      recent.add(e);
      if (recent.size() > 37) {
        recent.remove(0);
      }
      assertTrue(small.size() <= 37);
    }
    for (long e : recent) {
      assertFalse(small.accept(e, last.get(e)), "recent epoch " + e + " forgotten");
    }
  }
}
