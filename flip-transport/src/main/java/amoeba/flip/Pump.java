package amoeba.flip;

import amoeba.flip.net.Network;
import amoeba.flip.net.Station;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
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
  private final ConcurrentLinkedDeque<Waiter> followers = new ConcurrentLinkedDeque<>();
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
      followers.add(me);
      try {
        Thread current = leader.get();
        if (current == null) {
          continue;
        }
        if (current == idleLeader) {
          network.wakeup(); // the housekeeper steps aside for a thread with a purpose
        }
        if (!ready.getAsBoolean()) {
          LockSupport.parkNanos(this, Math.min(remaining, SLICE_NANOS));
        }
      } finally {
        followers.remove(me);
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
    for (Waiter w : followers) {
      BooleanSupplier r = w.ready;
      if (r != null && r.getAsBoolean()) {
        LockSupport.unpark(w.thread);
      }
    }
  }

  private void resign() {
    leader.set(null);
    // Promote one follower: it finds leadership free and takes it. Off the caller's fast path.
    Waiter next = followers.peekFirst();
    if (next != null) {
      LockSupport.unpark(next.thread);
    }
  }

  boolean hasFollowers() {
    return !followers.isEmpty();
  }

  void close() {
    closed = true;
    network.wakeup();
    for (Waiter w : followers) {
      LockSupport.unpark(w.thread);
    }
  }
}
