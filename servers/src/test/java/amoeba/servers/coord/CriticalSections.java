package amoeba.servers.coord;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records critical sections on a shared logical clock (an atomic counter: no wall time):
 * entry and exit each take the next tick. Two sections overlap iff one's entry tick lies
 * inside the other's [entry, exit]; {@link #overlaps} checks every pair in entry order. An
 * occupancy counter catches an overlap at the moment it happens, too.
 */
final class CriticalSections {
  record Interval(String who, long enter, long exit, long fence) {}

  private final AtomicLong ticks = new AtomicLong();
  private final AtomicInteger inside = new AtomicInteger();
  private final AtomicInteger collisions = new AtomicInteger();
  private final List<Interval> intervals = new ArrayList<>();

  long enter() {
    if (inside.incrementAndGet() != 1) {
      collisions.incrementAndGet();
    }
    return ticks.incrementAndGet();
  }

  void exit(String who, long enter, long fence) {
    long exit = ticks.incrementAndGet();
    inside.decrementAndGet();
    synchronized (intervals) {
      intervals.add(new Interval(who, enter, exit, fence));
    }
  }

  int collisions() {
    return collisions.get();
  }

  List<Interval> sorted() {
    synchronized (intervals) {
      List<Interval> l = new ArrayList<>(intervals);
      l.sort((a, b) -> Long.compare(a.enter(), b.enter()));
      return l;
    }
  }

  /** Pairs of consecutive (by entry) sections where the later one entered before the earlier exited. */
  int overlaps() {
    List<Interval> l = sorted();
    int n = 0;
    for (int i = 1; i < l.size(); i++) {
      if (l.get(i).enter() < l.get(i - 1).exit()) {
        n++;
      }
    }
    return n;
  }

  /** Sections whose fence is not above the previous section's (in entry order). */
  int fenceInversions() {
    List<Interval> l = sorted();
    int n = 0;
    for (int i = 1; i < l.size(); i++) {
      if (l.get(i).fence() <= l.get(i - 1).fence()) {
        n++;
      }
    }
    return n;
  }

  int count() {
    synchronized (intervals) {
      return intervals.size();
    }
  }
}
