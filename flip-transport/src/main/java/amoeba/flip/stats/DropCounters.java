package amoeba.flip.stats;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Dropped packets counted by {@link DropReason}. Thread-safe; {@link #increment} allocates
 * nothing and scales under contention (one {@link LongAdder} per reason, indexed by ordinal).
 * Reads are not an atomic snapshot across reasons: each count is exact once writers are quiet.
 */
public final class DropCounters {
  private static final DropReason[] REASONS = DropReason.values();
  private final LongAdder[] counts = new LongAdder[REASONS.length];

  public DropCounters() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  public void increment(DropReason reason) {
    counts[reason.ordinal()].increment();
  }

  public long get(DropReason reason) {
    return counts[reason.ordinal()].sum();
  }

  /** All drops, every reason. */
  public long total() {
    long sum = 0;
    for (LongAdder c : counts) {
      sum += c.sum();
    }
    return sum;
  }

  /** Every reason with its count (zeros included), in declaration order. */
  public Map<DropReason, Long> snapshot() {
    EnumMap<DropReason, Long> map = new EnumMap<>(DropReason.class);
    for (DropReason r : REASONS) {
      map.put(r, counts[r.ordinal()].sum());
    }
    return map;
  }

  /** The non-zero counts, e.g. {@code drops{BAD_TAG=3, REPLAY=1}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("drops{");
    boolean first = true;
    for (DropReason r : REASONS) {
      long n = counts[r.ordinal()].sum();
      if (n != 0) {
        sb.append(first ? "" : ", ").append(r).append('=').append(n);
        first = false;
      }
    }
    return sb.append('}').toString();
  }
}
