package amoeba.flip.stats;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters named by the constants of one enum (drop reasons, traffic kinds, RPC events):
 * thread-safe; {@link #increment} allocates nothing and scales under contention (one {@link
 * LongAdder} per constant, indexed by ordinal). Reads are not an atomic snapshot across
 * constants: each count is exact once writers are quiet.
 */
public class EnumCounters<E extends Enum<E>> {
  private final Class<E> type;
  private final E[] constants;
  private final LongAdder[] counts;

  public EnumCounters(Class<E> type) {
    this.type = type;
    this.constants = type.getEnumConstants();
    this.counts = new LongAdder[constants.length];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  public final void increment(E what) {
    counts[what.ordinal()].increment();
  }

  public final void add(E what, long n) {
    counts[what.ordinal()].add(n);
  }

  public final long get(E what) {
    return counts[what.ordinal()].sum();
  }

  /** The sum over every constant. */
  public final long total() {
    long sum = 0;
    for (LongAdder c : counts) {
      sum += c.sum();
    }
    return sum;
  }

  /** Every constant with its count (zeros included), in declaration order. */
  public final Map<E, Long> snapshot() {
    EnumMap<E, Long> map = new EnumMap<>(type);
    for (E e : constants) {
      map.put(e, counts[e.ordinal()].sum());
    }
    return map;
  }

  /** The non-zero counts, e.g. {@code {BAD_TAG=3, REPLAY=1}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (E e : constants) {
      long n = counts[e.ordinal()].sum();
      if (n != 0) {
        sb.append(sb.length() == 1 ? "" : ", ").append(e).append('=').append(n);
      }
    }
    return sb.append('}').toString();
  }
}
