package amoeba.tools.bench;

import java.util.Arrays;

/** Nanosecond samples of a timed loop, preallocated so recording allocates nothing. */
public final class Latencies {
  private final long[] nanos;
  private int count;

  public Latencies(int capacity) {
    nanos = new long[capacity];
  }

  public void record(long durationNanos) {
    if (count < nanos.length) {
      nanos[count++] = durationNanos;
    }
  }

  public int count() {
    return count;
  }

  /** The percentile (0..100) in microseconds, nearest-rank. */
  public double percentileMicros(double percentile) {
    if (count == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(nanos, count);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(percentile / 100.0 * count) - 1;
    return sorted[Math.max(0, Math.min(count - 1, rank))] / 1000.0;
  }
}
