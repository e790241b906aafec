package amoeba.servers.directory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A Wing-Gong linearizability checker (with Lowe's memoization of (linearized set, state)) for
 * histories of one register with read, write and compare-and-set. Each operation has an invoke
 * and a response time; an operation whose outcome is unknown (the call failed after it may have
 * run) has no response: it may take effect at any point after its invoke, or never. Operations
 * that certainly did not run (refused before anything was sent) are left out of the history.
 * Public test code: system-tests uses it too (through the servers test-jar).
 */
public final class LinearizabilityChecker {
  private LinearizabilityChecker() {}

  public enum Kind { READ, WRITE, CAS }

  /**
   * One operation. Values are longs; {@code null} is "absent" (the initial state).
   *
   * @param value READ: the value read; WRITE: the value written; CAS: the new value
   * @param expected CAS: the compared value
   * @param succeeded CAS: whether it reported success
   * @param responseNanos {@link Long#MAX_VALUE} when the outcome is unknown
   */
  public record Op(int client, Kind kind, Long value, Long expected, boolean succeeded,
      long invokeNanos, long responseNanos) {
    public boolean unknown() {
      return responseNanos == Long.MAX_VALUE;
    }

    public static Op read(int client, Long value, long invoke, long response) {
      return new Op(client, Kind.READ, value, null, true, invoke, response);
    }

    public static Op write(int client, Long value, long invoke, long response) {
      return new Op(client, Kind.WRITE, value, null, true, invoke, response);
    }

    public static Op cas(int client, Long expected, Long value, boolean ok, long invoke, long response) {
      return new Op(client, Kind.CAS, value, expected, ok, invoke, response);
    }
  }

  /** The register's next state after {@code op}, or a marker that {@code op} is impossible here. */
  private static final Object IMPOSSIBLE = new Object();

  private static Object step(Long state, Op op) {
    switch (op.kind) {
      case READ:
        return op.unknown() || Objects.equals(state, op.value) ? state : IMPOSSIBLE;
      case WRITE:
        return op.value;
      default:
        boolean matches = Objects.equals(state, op.expected);
        if (op.unknown()) {
          return matches ? op.value : state;
        }
        if (op.succeeded) {
          return matches ? op.value : IMPOSSIBLE;
        }
        return matches ? IMPOSSIBLE : state;
    }
  }

  private static final class Event {
    final int id;
    final boolean call;
    final long time;
    Event prev;
    Event next;
    Event match; // the call's return, or the return's call

    Event(int id, boolean call, long time) {
      this.id = id;
      this.call = call;
      this.time = time;
    }
  }

  private record Frame(Event call, Long state) {}

  private record Key(BitSet linearized, Long state) {}

  /** Whether the history is linearizable, starting from an absent register. */
  public static boolean check(List<Op> history) {
    return check(history, null);
  }

  public static boolean check(List<Op> history, Long initial) {
    List<Event> events = new ArrayList<>();
    int known = 0;
    for (int i = 0; i < history.size(); i++) {
      Op op = history.get(i);
      if (op.responseNanos < op.invokeNanos) {
        throw new IllegalArgumentException("response before invoke: " + op);
      }
      Event c = new Event(i, true, op.invokeNanos);
      Event r = new Event(i, false, op.responseNanos);
      c.match = r;
      r.match = c;
      events.add(c);
      events.add(r);
      if (!op.unknown()) {
        known++;
      }
    }
    // By time; at equal times calls first: operations that touch in time count as concurrent.
    events.sort(Comparator.comparingLong((Event e) -> e.time).thenComparing(e -> !e.call));
    Event head = new Event(-1, false, Long.MIN_VALUE);
    Event last = head;
    for (Event e : events) {
      last.next = e;
      e.prev = last;
      last = e;
    }
    Long state = initial;
    BitSet linearized = new BitSet(history.size());
    Set<Key> seen = new HashSet<>();
    Deque<Frame> stack = new ArrayDeque<>();
    Event entry = head.next;
    while (true) {
      if (known == 0) {
        return true;
      }
      if (entry != null && entry.call) {
        Op op = history.get(entry.id);
        Object next = step(state, op);
        BitSet after = null;
        if (next != IMPOSSIBLE) {
          after = (BitSet) linearized.clone();
          after.set(entry.id);
        }
        if (after != null && seen.add(new Key(after, (Long) next))) {
          stack.push(new Frame(entry, state));
          state = (Long) next;
          linearized = after;
          lift(entry);
          if (!op.unknown()) {
            known--;
          }
          entry = head.next;
        } else {
          entry = entry.next;
        }
      } else if (entry != null && history.get(entry.id).unknown()) {
        entry = entry.next; // an unknown operation may also never take effect
      } else {
        // A known operation returned before we could place it (or the list ran out): backtrack.
        if (stack.isEmpty()) {
          return false;
        }
        Frame f = stack.pop();
        state = f.state;
        linearized = (BitSet) linearized.clone();
        linearized.clear(f.call.id);
        unlift(f.call);
        if (!history.get(f.call.id).unknown()) {
          known++;
        }
        entry = f.call.next;
      }
    }
  }

  private static void lift(Event call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Event r = call.match;
    r.prev.next = r.next;
    if (r.next != null) {
      r.next.prev = r.prev;
    }
  }

  private static void unlift(Event call) {
    Event r = call.match;
    r.prev.next = r;
    if (r.next != null) {
      r.next.prev = r;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }
}
