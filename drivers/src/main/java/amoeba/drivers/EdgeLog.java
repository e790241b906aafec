package amoeba.drivers;

import java.util.ArrayList;
import java.util.List;

/**
 * An input's edges, numbered from 1, in a ring of {@link #CAPACITY}: memory stays bounded
 * however slow the subscriber; one that falls behind is told how many it lost. Readers name the
 * last seq they have, so a repeated read (an RPC retransmission) returns the same edges and
 * each edge reaches a careful subscriber once, in order.
 */
final class EdgeLog {
  static final int CAPACITY = 1024;

  /** One edge. */
  record Edge(long seq, boolean high, long atNanos) {}

  /** What a read returns. */
  record Batch(long lost, List<Edge> edges) {}

  private final Edge[] ring = new Edge[CAPACITY];
  private long last; // seq of the newest edge, 0 before the first

  synchronized void append(boolean high, long atNanos) {
    last++;
    ring[(int) (last % CAPACITY)] = new Edge(last, high, atNanos);
    notifyAll();
  }

  synchronized long last() {
    return last;
  }

  /**
   * Edges after {@code after}, at most {@code max}, waiting up to {@code waitNanos} for the
   * first one.
   */
  synchronized Batch read(long after, int max, long waitNanos) throws InterruptedException {
    long deadline = System.nanoTime() + waitNanos;
    while (last <= after) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return new Batch(0, List.of());
      }
      wait(Math.max(1, left / 1_000_000L));
    }
    long oldest = Math.max(1, last - CAPACITY + 1);
    long first = Math.max(after + 1, oldest);
    long lost = first - (after + 1);
    List<Edge> edges = new ArrayList<>();
    for (long s = first; s <= last && edges.size() < max; s++) {
      edges.add(ring[(int) (s % CAPACITY)]);
    }
    return new Batch(lost, edges);
  }
}
