package amoeba.flip;

import amoeba.flip.net.Network;
import amoeba.flip.net.Station;
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
 */
final class Pump {
  /** Longest single read by a leader before it re-checks its deadline and followers. */
  private static final long SLICE_NANOS = 50_000_000L;

  interface Dispatcher {
    void dispatch(ByteBuffer packet, Station from, Network network);
  }

  /** A waiting thread and what it waits for; one per thread, reused. */
  static final class Waiter {
    final Thread thread = Thread.currentThread();
    volatile BooleanSupplier ready;
  }

  private static final ThreadLocal<Waiter> WAITER = ThreadLocal.withInitial(Waiter::new);

  private final Network network;
  private final Dispatcher dispatcher;
  private final int bufferBytes;
  private final ThreadLocal<ByteBuffer> rxBuffer;
  private final AtomicReference<Thread> leader = new AtomicReference<>();
  private final Followers followers = new Followers();
  private volatile Thread idleLeader;
  private volatile Waiter leaderWaiter;
  /** When a thread with a purpose last resigned the lead; the housekeeper waits a grace after. */
  private volatile long lastResignNanos;
  private volatile boolean closed;

  Pump(Network network, Dispatcher dispatcher) {
    this.network = network;
    this.dispatcher = dispatcher;
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
    while (!ready.getAsBoolean()) {
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0 || closed) {
        return ready.getAsBoolean();
      }
      if (leader.compareAndSet(null, me.thread)) {
        me.ready = ready;
        leaderWaiter = me;
        try {
          lead(ready, deadlineNanos, false);
        } finally {
          leaderWaiter = null;
          me.ready = null;
          lastResignNanos = System.nanoTime();
          resign();
        }
        continue;
      }
      // Follow: register, then look again so a leader that resigned in between is not missed.
      me.ready = ready;
      int slot = followers.add(me);
      try {
        Thread current = leader.get();
        if (current == null) {
          continue;
        }
        if (current == idleLeader) {
          network.wakeup(); // the housekeeper steps aside for a thread with a purpose
        }
        if (!ready.getAsBoolean()) {
          // Without a slot (more followers than slots) nobody unparks us: poll briefly instead.
          LockSupport.parkNanos(this, Math.min(remaining, slot < 0 ? 1_000_000L : SLICE_NANOS));
        }
      } finally {
        followers.remove(slot);
        me.ready = null;
      }
    }
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
    try {
      lead(() -> !followers.isEmpty(), System.nanoTime() + maxNanos, true);
    } finally {
      idleLeader = null;
      resign();
    }
    return true;
  }

  private void lead(BooleanSupplier done, long deadlineNanos, boolean idle) {
    ByteBuffer buffer = rxBuffer.get();
    while (!closed && !done.getAsBoolean()) {
      long remaining = deadlineNanos - System.nanoTime();
      if (remaining <= 0) {
        return;
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
        return;
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
        wakeReadyFollowers();
        if (idle) {
          return;
        }
      }
    }
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

  /** Unparks followers whose condition came true. */
  void wakeReadyFollowers() {
    followers.wakeReady();
  }

  private void resign() {
    leader.set(null);
    // Promote one follower: it finds leadership free and takes it. Off the caller's fast path.
    followers.wakeOne();
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

    void wakeReady() {
      if (count.get() == 0) {
        return;
      }
      for (int i = 0, n = highWater; i < n; i++) {
        Waiter w = slots.get(i);
        BooleanSupplier r = w == null ? null : w.ready;
        if (r != null && r.getAsBoolean()) {
          LockSupport.unpark(w.thread);
        }
      }
    }

    void wakeOne() {
      if (count.get() == 0) {
        return;
      }
      for (int i = 0, n = highWater; i < n; i++) {
        Waiter w = slots.get(i);
        if (w != null) {
          LockSupport.unpark(w.thread);
          return;
        }
      }
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
