package amoeba.servers;

import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The servers tests' one way to wait for a condition that spans boards (a replica's view, an
 * election's outcome): there is no event to latch on across replicas, so it is asked again
 * every 10 ms, up to a bound, and the wait ends the moment it holds.
 */
public final class Eventually {
  private static final long POLL_NANOS = 10_000_000L;

  private Eventually() {}

  /** Whether {@code condition} held within {@code timeoutNanos}. */
  public static boolean holds(BooleanSupplier condition, long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
    return true;
  }

  /** The first result of {@code attempt} that is not null, or null after {@code timeoutNanos}. */
  public static <T> T first(Callable<T> attempt, long timeoutNanos) throws Exception {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      T result = attempt.call();
      if (result != null || System.nanoTime() - deadline > 0) {
        return result;
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }
}
