package amoeba.ipc.group;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Dropped group packets by reason. Thread-safe, allocation-free to increment. */
public final class GroupDrops {
  private static final GroupDropReason[] REASONS = GroupDropReason.values();
  private final LongAdder[] counts = new LongAdder[REASONS.length];

  public GroupDrops() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new LongAdder();
    }
  }

  public void increment(GroupDropReason reason) {
    counts[reason.ordinal()].increment();
  }

  public long get(GroupDropReason reason) {
    return counts[reason.ordinal()].sum();
  }

  public long total() {
    long sum = 0;
    for (LongAdder c : counts) {
      sum += c.sum();
    }
    return sum;
  }

  public Map<GroupDropReason, Long> snapshot() {
    EnumMap<GroupDropReason, Long> m = new EnumMap<>(GroupDropReason.class);
    for (GroupDropReason r : REASONS) {
      m.put(r, get(r));
    }
    return m;
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }
}
