package amoeba.flip;

import amoeba.flip.net.Network;
import amoeba.flip.net.Station;
import amoeba.flip.stats.EnumCounters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.tinylog.Logger;

/**
 * Leader/follower reception from one network, so the fast path has no thread hand-off
 * (performance.md: on this VM a cross-core wake-up costs about a whole raw round trip).
 *
 * <p>A thread that waits for something (its endpoint's next message, a locate answer) calls
 * {@link #await}. If no one is reading the network it becomes the <em>leader</em>: it reads
 * packets itself and dispatches each one; a packet for itself is then simply there when its
 * condition is checked, with no wake-up. Otherwise it parks as a <em>follower</em> and the
 * leader unparks it when its condition comes true or when leadership is free again.
 *
 * <p>When no thread waits at all, the box's housekeeping thread takes the lead after a grace
 * period (so packets nobody waits for, like a LOCATE for a server's port, are still answered),
 * and gives it up as soon as a follower appears; it calls {@link Network#wakeup()} for that.
 *
 * <p>Hot threads lead. A board has many waiting threads, most on ports that are idle (a server
 * thread in a 100 ms getreq), and a leader that only hands packets on costs a wake-up per
 * message (measured: on a directory replica under updates, 23,289 hand-offs for 22,097 packets
 * received, see {@link Traffic#HANDOFFS}). So each waiter remembers when it last got what it
 * waited for; leadership passes to the follower that got something most recently (see {@link
 * #resign}), and a cold leader (nothing of its own for {@link #COLD_NANOS}) that hands a packet
 * to a hotter follower, or while one waits, steps down.
 */
final class Pump {
  /** Longest single read by a leader before it re-checks its deadline and followers. */
  private static final long SLICE_NANOS = 50_000_000L;
  /**
   * A leader that got nothing of its own for this long steps down for a hotter follower. Busy
   * threads (several clients of one box) keep the lead as they have it: a swap costs a wake-up.
   */
  private static final long COLD_NANOS = 5_000_000L;
  /** "Never": the last hit of a waiter that never got anything. */
  private static final long NONE = Long.MIN_VALUE;

  interface Dispatcher {
    void dispatch(ByteBuffer packet, Station from, Network network);
  }

  /** A waiting thread and what it waits for; one per thread, reused. */
  static final class Waiter {
    final Thread thread = Thread.currentThread();
    volatile BooleanSupplier ready;
    /** When an await of this thread last returned with its condition true (nanoTime). */
    volatile long lastHitNanos = NONE;
  }

  private static final ThreadLocal<Waiter> WAITER = ThreadLocal.withInitial(Waiter::new);

  private final Network network;
  private final Dispatcher dispatcher;
  private final EnumCounters<Traffic> traffic;
  private final int bufferBytes;
  private final ThreadLocal<ByteBuffer> rxBuffer;
  private final AtomicReference<Thread> leader = new AtomicReference<>();
  private final Followers followers = new Followers();
  private volatile Thread idleLeader;
  private volatile Waiter leaderWaiter;
  /** When a thread with a purpose last resigned the lead; the housekeeper waits a grace after. */
  private volatile long lastResignNanos;
  private volatile boolean closed;

  Pump(Network network, Dispatcher dispatcher, EnumCounters<Traffic> traffic) {
    this.network = network;
    this.dispatcher = dispatcher;
    this.traffic = traffic;
    this.bufferBytes = network.maxPacketBytes();
    this.rxBuffer = ThreadLocal.withInitial(() -> ByteBuffer.allocate(bufferBytes));
  }

  Network network() {
    return network;
  }

  /**
   * Waits until {@code ready} is true or the clock passes {@code deadlineNanos}
   * ({@link System#nanoTime()} scale). Returns the last value of {@code ready}.
   */
  boolean await(BooleanSupplier ready, long deadlineNanos) {
    Waiter me = WAITER.get();
    boolean steppedDown = false;
    while (!ready.getAsBoolean()) {
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0 || closed) {
        return ready.getAsBoolean();
      }
      if (!steppedDown && leader.compareAndSet(null, me.thread)) {
        me.ready = ready;
        leaderWaiter = me;
        try {
          steppedDown = lead(me, ready, deadlineNanos, false);
        } finally {
          leaderWaiter = null;
          me.ready = null;
          lastResignNanos = System.nanoTime();
          resign(me, steppedDown, ready.getAsBoolean());
        }
        continue;
      }
      // Follow: register, then look again so a leader that resigned in between is not missed.
      me.ready = ready;
      int slot = followers.add(me);
      try {
        Thread current = leader.get();
        if (current == null && !steppedDown) {
          continue;
        }
        if (current == idleLeader) {
          network.wakeup(); // the housekeeper steps aside for a thread with a purpose
        }
        if (!ready.getAsBoolean()) {
          // Without a slot (more followers than slots) nobody unparks us: poll briefly instead.
          // Having stepped down, we leave the lead to the follower we woke, but only briefly:
          // it may have found its condition true meanwhile and not taken the lead.
          LockSupport.parkNanos(this, Math.min(remaining, slot < 0 || steppedDown ? 1_000_000L : SLICE_NANOS));
        }
      } finally {
        followers.remove(slot);
        me.ready = null;
        steppedDown = false;
      }
    }
    me.lastHitNanos = System.nanoTime();
    return true;
  }

  /**
   * The housekeeping thread's turn: leads for at most {@code maxNanos} if nobody else leads or
   * waits. Returns false when it did not lead.
   */
  boolean leadWhileIdle(long maxNanos, long graceNanos) {
    if (!followers.isEmpty()
        || System.nanoTime() - lastResignNanos < graceNanos
        || !leader.compareAndSet(null, Thread.currentThread())) {
      return false;
    }
    idleLeader = Thread.currentThread();
    Waiter me = WAITER.get();
    try {
      lead(me, () -> !followers.isEmpty(), System.nanoTime() + maxNanos, true);
    } finally {
      idleLeader = null;
      resign(me, false, false);
    }
    return true;
  }

  /** Reads and dispatches until {@code done}; returns true when it stepped down for a hotter follower. */
  private boolean lead(Waiter me, BooleanSupplier done, long deadlineNanos, boolean idle) {
    ByteBuffer buffer = rxBuffer.get();
    while (!closed && !done.getAsBoolean()) {
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0) {
        return false;
      }
      buffer.clear();
      Station from;
      try {
        from = network.receive(buffer, Math.min(remaining, SLICE_NANOS));
      } catch (IOException e) {
        if (!closed) {
          Logger.warn("{}: receive failed: {}", network.name(), e.getMessage());
          LockSupport.parkNanos(Math.min(remaining, 10_000_000L)); // a broken network must not spin
        }
        return false;
      }
      if (from == null) {
        continue;
      }
      buffer.flip();
      try {
        dispatcher.dispatch(buffer, from, network);
      } catch (RuntimeException e) {
        // A bug in dispatch must not kill the receive loop; the box counts malformed input
        // before this point, so anything here is ours: log it loudly.
        Logger.error(e, "{}: dispatch failed", network.name());
      }
      if (!followers.isEmpty()) {
        long handedTo = wakeReadyFollowers();
        if (idle) {
          return false;
        }
        long mine = me.lastHitNanos;
        if (handedTo != NONE && !done.getAsBoolean() && (mine == NONE || System.nanoTime() - mine > COLD_NANOS)
            && (handedTo > mine || followers.hottestWaitingAfter(mine) != null)) {
          traffic.increment(Traffic.LEAD_STEPDOWNS);
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Something was delivered outside this pump's read loop (a local send, another network):
   * wake whoever now has what it waits for, the leader included.
   */
  void signal() {
    wakeReadyFollowers();
    Waiter w = leaderWaiter;
    if (w != null && w.thread != Thread.currentThread()) {
      BooleanSupplier r = w.ready;
      if (r != null && r.getAsBoolean()) {
        network.wakeup();
      }
    }
  }

  /**
   * Unparks followers whose condition came true; returns the newest last hit among them
   * ({@link #NONE} if none was woken, or none ever got anything).
   */
  long wakeReadyFollowers() {
    return followers.wakeReady(traffic);
  }

  /**
   * Leaves the lead and promotes a follower that still waits (it finds leadership free and takes
   * it; off the caller's fast path):
   *
   * <ul>
   *   <li>a leader leaving with what it waited for promotes the hottest follower only if that one
   *       is hot itself. Else nobody leads until the leaver is back, which a busy thread is in
   *       microseconds: a cold thread in the lead would hand it its next message.
   *   <li>a leader that stepped down promotes only one hotter than itself (else the thread it
   *       handed a packet to takes the lead when it is back);
   *   <li>any other leaver (deadline, close) promotes the hottest follower.
   * </ul>
   *
   * A lead left free with followers waiting is taken by the first of them whose park ends, or by
   * the housekeeper's {@link #promoteIfVacant} within its period.
   */
  private void resign(Waiter me, boolean steppedDown, boolean gotMine) {
    leader.set(null);
    Waiter next = steppedDown ? followers.hottestWaitingAfter(me.lastHitNanos)
        : gotMine ? followers.hottestWaitingAfter(System.nanoTime() - COLD_NANOS)
        : followers.hottestWaiting();
    if (next != null && next != me) {
      LockSupport.unpark(next.thread);
    }
  }

  /**
   * The housekeeper's backstop for a lead left free (see {@link #resign}): if nobody has led
   * for {@code graceNanos} while followers wait, promotes the hottest of them.
   */
  void promoteIfVacant(long graceNanos) {
    if (leader.get() == null && !followers.isEmpty() && System.nanoTime() - lastResignNanos >= graceNanos) {
      Waiter next = followers.hottestWaiting();
      if (next != null) {
        LockSupport.unpark(next.thread);
      }
    }
  }

  boolean hasFollowers() {
    return !followers.isEmpty();
  }

  void close() {
    closed = true;
    network.wakeup();
    followers.wakeAll();
  }

  /**
   * The parked followers, in a fixed array of slots so that following allocates nothing (the
   * steady-state path must make no garbage even when threads take turns). Scans stop at the
   * highest slot ever used.
   */
  static final class Followers {
    private static final int SLOTS = 256;
    private final AtomicReferenceArray<Waiter> slots = new AtomicReferenceArray<>(SLOTS);
    private final AtomicInteger count = new AtomicInteger();
    private volatile int highWater;

    /** Registers {@code w}; returns its slot, or -1 if every slot is taken. */
    int add(Waiter w) {
      for (int i = 0; i < SLOTS; i++) {
        if (slots.get(i) == null && slots.compareAndSet(i, null, w)) {
          count.incrementAndGet();
          if (i >= highWater) {
            highWater = i + 1;
          }
          return i;
        }
      }
      return -1;
    }

    void remove(int slot) {
      if (slot >= 0) {
        slots.set(slot, null);
        count.decrementAndGet();
      }
    }

    boolean isEmpty() {
      return count.get() == 0;
    }

    /** See {@link Pump#wakeReadyFollowers}; counts each follower woken as a hand-off. */
    long wakeReady(EnumCounters<Traffic> traffic) {
      if (count.get() == 0) {
        return NONE;
      }
      long newest = NONE;
      for (int i = 0, n = highWater; i < n; i++) {
        Waiter w = slots.get(i);
        BooleanSupplier r = w == null ? null : w.ready;
        if (r != null && r.getAsBoolean()) {
          LockSupport.unpark(w.thread);
          traffic.increment(Traffic.HANDOFFS);
          newest = Math.max(newest, w.lastHitNanos);
        }
      }
      return newest;
    }

    /** The follower whose condition is still false that got something most recently, or null. */
    Waiter hottestWaiting() {
      return hottestWaitingAfter(NONE, true);
    }

    /** Like {@link #hottestWaiting()}, but only one that got something after {@code nanos}. */
    Waiter hottestWaitingAfter(long nanos) {
      return hottestWaitingAfter(nanos, false);
    }

    private Waiter hottestWaitingAfter(long nanos, boolean orEqual) {
      if (count.get() == 0) {
        return null;
      }
      Waiter best = null;
      for (int i = 0, n = highWater; i < n; i++) {
        Waiter w = slots.get(i);
        BooleanSupplier r = w == null ? null : w.ready;
        if (r == null) {
          continue;
        }
        long hit = w.lastHitNanos;
        boolean better = best == null ? hit > nanos || orEqual && hit == nanos : hit > best.lastHitNanos;
        if (better && !r.getAsBoolean()) {
          best = w;
        }
      }
      return best;
    }

    void wakeAll() {
      for (int i = 0, n = highWater; i < n; i++) {
        Waiter w = slots.get(i);
        if (w != null) {
          LockSupport.unpark(w.thread);
        }
      }
    }
  }
}
