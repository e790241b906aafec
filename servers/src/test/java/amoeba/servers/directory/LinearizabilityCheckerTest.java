package amoeba.servers.directory;

import static amoeba.servers.directory.LinearizabilityChecker.Op.cas;
import static amoeba.servers.directory.LinearizabilityChecker.Op.read;
import static amoeba.servers.directory.LinearizabilityChecker.Op.write;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.servers.directory.LinearizabilityChecker.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The checker itself, on histories whose answer is known. */
class LinearizabilityCheckerTest {
  static final long U = Long.MAX_VALUE; // unknown outcome

  @Test
  void sequentialHistoriesFollowTheRegister() {
    assertTrue(LinearizabilityChecker.check(List.of(
        read(0, null, 0, 1), write(0, 1L, 2, 3), read(1, 1L, 4, 5), cas(1, 1L, 2L, true, 6, 7),
        cas(0, 1L, 3L, false, 8, 9), read(0, 2L, 10, 11))));
    assertFalse(LinearizabilityChecker.check(List.of(write(0, 1L, 0, 1), read(1, null, 2, 3))),
        "a read after a completed write must see it");
    assertFalse(LinearizabilityChecker.check(List.of(write(0, 1L, 0, 1), cas(0, 2L, 3L, true, 2, 3))),
        "a CAS cannot succeed on another value");
    assertFalse(LinearizabilityChecker.check(List.of(write(0, 1L, 0, 1), cas(0, 1L, 3L, false, 2, 3))),
        "a CAS cannot fail on its expected value");
  }

  @Test
  void concurrentOperationsMayTakeEitherOrder() {
    // write 1 overlaps both reads: one read sees the old value, the later one the new.
    assertTrue(LinearizabilityChecker.check(List.of(
        write(0, 1L, 0, 10), read(1, null, 1, 2), read(2, 1L, 3, 4))));
    // ...but once a read saw the new value, a later read cannot see the old one (no going back).
    assertFalse(LinearizabilityChecker.check(List.of(
        write(0, 1L, 0, 10), read(1, 1L, 1, 2), read(2, null, 3, 4))));
    // two concurrent CAS from the same value: only one may win.
    assertFalse(LinearizabilityChecker.check(List.of(
        write(0, 0L, 0, 1), cas(1, 0L, 1L, true, 2, 5), cas(2, 0L, 2L, true, 3, 6))));
    assertTrue(LinearizabilityChecker.check(List.of(
        write(0, 0L, 0, 1), cas(1, 0L, 1L, true, 2, 5), cas(2, 0L, 2L, false, 3, 6), read(0, 1L, 7, 8))));
  }

  @Test
  void unknownOutcomesMayApplyLateOrNever() {
    assertTrue(LinearizabilityChecker.check(List.of(write(0, 1L, 0, U), read(1, null, 5, 6))), "never applied");
    assertTrue(LinearizabilityChecker.check(List.of(write(0, 1L, 0, U), read(1, 1L, 50, 60))), "applied late");
    assertTrue(LinearizabilityChecker.check(List.of(write(0, 1L, 0, U), read(1, null, 5, 6), read(1, 1L, 7, 8))));
    assertFalse(LinearizabilityChecker.check(List.of(
        write(0, 1L, 0, U), read(1, 1L, 5, 6), read(1, null, 7, 8))), "once seen, it stays applied");
    assertFalse(LinearizabilityChecker.check(List.of(write(0, 1L, 10, U), read(1, 1L, 0, 5))),
        "not before it was invoked");
  }

  /** Histories generated from a real register with random overlaps are always linearizable. */
  @Test
  void generatedLinearizableHistoriesPassAndACorruptedReadFails() {
    SplittableRandom random = new SplittableRandom(42);
    for (int round = 0; round < 50; round++) {
      List<Op> history = new ArrayList<>();
      Long value = null;
      long t = 0;
      for (int i = 0; i < 40; i++) {
        // Each op takes effect at time t; its interval covers t with random slack.
        long invoke = t - random.nextInt(30);
        long response = t + random.nextInt(30);
        int client = random.nextInt(4);
        switch (random.nextInt(3)) {
          case 0 -> history.add(read(client, value, invoke, response));
          case 1 -> {
            value = (long) random.nextInt(5);
            history.add(write(client, value, invoke, response));
          }
          default -> {
            Long expected = random.nextBoolean() ? value : Long.valueOf(random.nextInt(5));
            boolean ok = java.util.Objects.equals(value, expected);
            Long next = (long) random.nextInt(5);
            if (ok) {
              value = next;
            }
            history.add(cas(client, expected, next, ok, invoke, response));
          }
        }
        t += 20;
      }
      assertTrue(LinearizabilityChecker.check(history), "round " + round);
      // A final read (after everything) of a value the register never ends with is impossible.
      List<Op> bad = new ArrayList<>(history);
      bad.add(read(9, value == null ? 99L : value + 100, t + 100, t + 101));
      assertFalse(LinearizabilityChecker.check(bad), "round " + round);
    }
  }
}
