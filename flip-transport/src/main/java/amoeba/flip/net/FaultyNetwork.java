package amoeba.flip.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Wraps any {@link Network} and injects faults into what it receives: loss, duplication,
 * reordering, delay with jitter, partitions and "drop the next N". Sends pass straight through.
 * Working on the receive side makes it behave the same over loopback, UDP or MQTT; to fault a
 * whole pool, wrap every box's network.
 *
 * <p>Determinism: every fault decision comes from the seeded generator, four draws per packet
 * that gets past the partition and drop-next checks (loss, duplicate, reorder, jitter, in that
 * order, whether or not they are used), and every time from the injected nanosecond clock. The
 * same seed, clock readings and arrival order give the same faults.
 *
 * <p>Per packet, in order: dropped if the sender is across the {@link Partition}; dropped if a
 * {@link #dropNext} count is pending; lost with the loss probability; otherwise held back for
 * reordering (released after {@link #setReorderDepth the next packets} are delivered, or after
 * the reorder hold time at the latest), or else held for the delay plus a uniform jitter, or
 * else delivered now; and independently duplicated (the copy follows the original). A receive
 * waits at most until the next held packet is due, so held packets come out even when no new
 * packet arrives.
 *
 * <p>Names for partitions: a station's name is the one given to {@link #nameStation}, else a
 * {@link LoopbackStation}'s name, else its {@code toString()} (e.g. {@code udp:127.0.0.1:4567});
 * this network's own name is the name of {@code inner.self()}.
 *
 * <p>Memory is bounded: at most {@code maxHeld} packets are held; a packet that would exceed it
 * is delivered unfaulted (a duplicate is not made) and counted in {@link #holdOverflows()}.
 *
 * <p>Threading: as {@link Network}; the fault setters may be called from any thread at any time.
 */
public final class FaultyNetwork implements Network {

  public static final int DEFAULT_MAX_HELD = 1024;

  /** Longest a reordered packet waits for later packets to overtake it: 10 ms. */
  public static final long DEFAULT_REORDER_MAX_HOLD_NS = 10_000_000L;

  /** Packets drained per receive after its deadline, so a flood of drops cannot pin the caller. */
  private static final int MAX_DROPS_PAST_DEADLINE = 1024;

  private static final int MIN_HELD_BYTES = 2048;

  /** A packet held back; pooled in {@link #held} so holding allocates nothing in steady state. */
  private static final class Held {
    byte[] data = new byte[0];
    int length;
    Station from;
    long dueNs;
    long seq; // arrival order: ties on dueNs come out first-in first-out
    int afterPackets; // reorder: released after this many direct deliveries; -1 = by time only
  }

  private final Network inner;
  private final RandomGenerator random; // used by the receiving thread only
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<Station, String> names = new ConcurrentHashMap<>();

  // Held packets: held[0 .. heldCount) in no particular order; receiving thread only.
  private final Held[] held;
  private int heldCount;
  private long nextSeq;
  private volatile int heldNow; // heldCount published for tests

  private volatile double lossProbability;
  private volatile double duplicateProbability;
  private volatile double reorderProbability;
  private volatile int reorderDepth = 1;
  private volatile long reorderMaxHoldNs = DEFAULT_REORDER_MAX_HOLD_NS;
  private volatile long delayNs;
  private volatile long jitterNs;
  private volatile Partition partition = Partition.NONE;
  private final AtomicInteger dropNext = new AtomicInteger();

  private final AtomicLong lost = new AtomicLong();
  private final AtomicLong duplicated = new AtomicLong();
  private final AtomicLong reordered = new AtomicLong();
  private final AtomicLong delayed = new AtomicLong();
  private final AtomicLong partitioned = new AtomicLong();
  private final AtomicLong droppedNext = new AtomicLong();
  private final AtomicLong holdOverflows = new AtomicLong();

  /** With {@code new Random(seed)}, {@link System#nanoTime} and {@link #DEFAULT_MAX_HELD}. */
  public FaultyNetwork(Network inner, long seed) {
    this(inner, new Random(seed), System::nanoTime, DEFAULT_MAX_HELD);
  }

  /**
   * @param inner the network whose received packets are faulted; closed with this one
   * @param random the source of every fault decision (seed it for repeatable runs)
   * @param nanoClock monotonic time, nanoseconds; a test can advance it by hand
   * @param maxHeld the most packets held back at once for delay, reordering and duplicates
   */
  public FaultyNetwork(Network inner, RandomGenerator random, LongSupplier nanoClock, int maxHeld) {
    this.inner = Objects.requireNonNull(inner, "inner");
    this.random = Objects.requireNonNull(random, "random");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    if (maxHeld < 1) {
      throw new IllegalArgumentException("maxHeld must be positive: " + maxHeld);
    }
    this.held = new Held[maxHeld];
  }

  // ---- fault settings (any thread) ----

  /** Probability in [0, 1] that a received packet is lost. */
  public void setLossProbability(double p) {
    lossProbability = probability(p);
  }

  /** Probability in [0, 1] that a received packet is delivered twice. */
  public void setDuplicateProbability(double p) {
    duplicateProbability = probability(p);
  }

  /** Probability in [0, 1] that a received packet is held back and overtaken. */
  public void setReorderProbability(double p) {
    reorderProbability = probability(p);
  }

  /** How many later packets overtake a reordered one (default 1). */
  public void setReorderDepth(int packets) {
    if (packets < 1) {
      throw new IllegalArgumentException("reorder depth must be positive: " + packets);
    }
    reorderDepth = packets;
  }

  /** The longest a reordered packet waits for later ones, nanoseconds (default 10 ms). */
  public void setReorderMaxHoldNanos(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("negative hold time: " + nanos);
    }
    reorderMaxHoldNs = nanos;
  }

  /** Delays every packet by {@code delayNanos} plus uniform [0, jitterNanos); (0, 0) = off. */
  public void setDelay(long delayNanos, long jitterNanos) {
    if (delayNanos < 0 || jitterNanos < 0) {
      throw new IllegalArgumentException("negative delay or jitter");
    }
    delayNs = delayNanos;
    jitterNs = jitterNanos;
  }

  /** Drops, from now on, packets from stations across {@code p} (see {@link Partition}). */
  public void setPartition(Partition p) {
    partition = Objects.requireNonNull(p, "partition");
  }

  /** Ends any partition. */
  public void heal() {
    partition = Partition.NONE;
  }

  /** Drops exactly the next {@code n} received packets (replacing any count still pending). */
  public void dropNext(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("negative count: " + n);
    }
    dropNext.set(n);
  }

  /** Turns every fault off (held packets still come out when due). */
  public void clearFaults() {
    lossProbability = 0;
    duplicateProbability = 0;
    reorderProbability = 0;
    delayNs = 0;
    jitterNs = 0;
    partition = Partition.NONE;
    dropNext.set(0);
  }

  /** Gives {@code station} a name for partitions, e.g. a UDP station its host name. */
  public void nameStation(Station station, String name) {
    names.put(Objects.requireNonNull(station, "station"), Objects.requireNonNull(name, "name"));
  }

  /** The name partitions use for {@code station}. */
  public String nameOf(Station station) {
    String name = names.get(station);
    if (name != null) {
      return name;
    }
    return station instanceof LoopbackStation
        ? ((LoopbackStation) station).name()
        : station.toString();
  }

  private static double probability(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("probability must be in [0, 1]: " + p);
    }
    return p;
  }

  // ---- counters (any thread) ----

  /** Packets dropped by the loss probability. */
  public long lost() {
    return lost.get();
  }

  /** Extra copies made. */
  public long duplicated() {
    return duplicated.get();
  }

  /** Packets held back to be overtaken. */
  public long reordered() {
    return reordered.get();
  }

  /** Packets held for delay and jitter. */
  public long delayed() {
    return delayed.get();
  }

  /** Packets dropped because the sender was across the partition. */
  public long partitioned() {
    return partitioned.get();
  }

  /** Packets dropped by {@link #dropNext}. */
  public long droppedNext() {
    return droppedNext.get();
  }

  /** Faults skipped because {@code maxHeld} packets were already held. */
  public long holdOverflows() {
    return holdOverflows.get();
  }

  /** Packets held back right now. */
  public int held() {
    return heldNow;
  }

  // ---- Network ----

  @Override
  public String name() {
    return "faulty(" + inner.name() + ")";
  }

  @Override
  public Station self() {
    return inner.self();
  }

  @Override
  public int maxPacketBytes() {
    return inner.maxPacketBytes();
  }

  /** The wrapped network. */
  public Network inner() {
    return inner;
  }

  @Override
  public void send(ByteBuffer packet, Station to) throws IOException {
    inner.send(packet, to);
  }

  @Override
  public void broadcast(ByteBuffer packet) throws IOException {
    inner.broadcast(packet);
  }

  @Override
  public void multicast(ByteBuffer packet, long group) throws IOException {
    inner.multicast(packet, group);
  }

  @Override
  public void subscribe(long group) throws IOException {
    inner.subscribe(group);
  }

  @Override
  public void unsubscribe(long group) {
    inner.unsubscribe(group);
  }

  @Override
  public void subscribeAll() throws IOException {
    inner.subscribeAll();
  }

  /**
   * Returns a held packet that is due, else waits on the inner network (at most until the next
   * held packet is due) and faults what arrives. Timeouts are measured on the injected clock; if
   * the inner wait ends without a packet and nothing held is due, returns null (with a clock
   * that does not move, that is as soon as the inner network has nothing more to give).
   */
  @Override
  public Station receive(ByteBuffer into, long timeoutNanos) throws IOException {
    long deadline = nanoClock.getAsLong() + Math.min(Math.max(timeoutNanos, 0), Long.MAX_VALUE / 4);
    int dropsPastDeadline = 0;
    for (; ; ) {
      long now = nanoClock.getAsLong();
      int next = earliestHeld();
      if (next >= 0 && held[next].dueNs - now <= 0) {
        return release(next, into);
      }
      long waitNs = Math.max(0, deadline - now);
      if (next >= 0) {
        waitNs = Math.min(waitNs, Math.max(0, held[next].dueNs - now));
      }
      int start = into.position();
      Station from = inner.receive(into, waitNs);
      now = nanoClock.getAsLong();
      if (from == null) {
        // Timed out, woken up or interrupted; a held packet may have come due meanwhile.
        next = earliestHeld();
        return next >= 0 && held[next].dueNs - now <= 0 ? release(next, into) : null;
      }
      if (admit(into, start, from, now)) {
        return from;
      }
      if (now - deadline >= 0 && ++dropsPastDeadline >= MAX_DROPS_PAST_DEADLINE) {
        return null;
      }
    }
  }

  /**
   * Applies the faults to the packet the inner network just wrote to into[start, position).
   * Returns true to deliver it now (position left after it); false if dropped or held
   * (position reset to start).
   */
  private boolean admit(ByteBuffer into, int start, Station from, long now) {
    int end = into.position();
    Partition p = partition;
    if (p != Partition.NONE && !p.connected(nameOf(inner.self()), nameOf(from))) {
      partitioned.incrementAndGet();
      into.position(start);
      return false;
    }
    for (int n = dropNext.get(); n > 0; n = dropNext.get()) {
      if (dropNext.compareAndSet(n, n - 1)) {
        droppedNext.incrementAndGet();
        into.position(start);
        return false;
      }
    }
    // Always four draws, so one packet's outcome never shifts the next packet's draws.
    double lossDraw = random.nextDouble();
    double duplicateDraw = random.nextDouble();
    double reorderDraw = random.nextDouble();
    double jitterDraw = random.nextDouble();
    if (lossDraw < lossProbability) {
      lost.incrementAndGet();
      into.position(start);
      return false;
    }
    boolean deliverNow = true;
    long dueNs = now;
    int afterPackets = -1;
    if (reorderDraw < reorderProbability) {
      dueNs = now + reorderMaxHoldNs;
      afterPackets = reorderDepth;
      if (hold(into, start, end, from, dueNs, afterPackets)) {
        reordered.incrementAndGet();
        deliverNow = false;
      } else {
        holdOverflows.incrementAndGet();
      }
    } else {
      long extraNs = delayNs + (long) (jitterDraw * jitterNs);
      if (extraNs > 0) {
        dueNs = now + extraNs;
        if (hold(into, start, end, from, dueNs, -1)) {
          delayed.incrementAndGet();
          deliverNow = false;
        } else {
          holdOverflows.incrementAndGet();
        }
      }
    }
    if (duplicateDraw < duplicateProbability) {
      // The copy follows the original: due with it, or at once if the original goes now.
      if (hold(into, start, end, from, deliverNow ? now : dueNs, deliverNow ? -1 : afterPackets)) {
        duplicated.incrementAndGet();
      } else {
        holdOverflows.incrementAndGet();
      }
    }
    if (!deliverNow) {
      into.position(start);
      return false;
    }
    into.position(end);
    overtaken(now);
    return true;
  }

  /** A packet was delivered directly: reordered packets waiting for it move closer to release. */
  private void overtaken(long now) {
    for (int i = 0; i < heldCount; i++) {
      Held h = held[i];
      if (h.afterPackets > 0 && --h.afterPackets == 0) {
        h.dueNs = now; // out on the next receive
      }
    }
  }

  private boolean hold(ByteBuffer into, int start, int end, Station from, long dueNs, int after) {
    if (heldCount == held.length) {
      return false;
    }
    Held h = held[heldCount];
    if (h == null) {
      h = new Held();
      held[heldCount] = h;
    }
    int length = end - start;
    if (h.data.length < length) {
      h.data = new byte[Math.max(length, MIN_HELD_BYTES)];
    }
    into.get(start, h.data, 0, length); // absolute: position untouched
    h.length = length;
    h.from = from;
    h.dueNs = dueNs;
    h.afterPackets = after;
    h.seq = nextSeq++;
    heldNow = ++heldCount;
    return true;
  }

  /** Index of the held packet due first (ties: first arrived), or -1 if none is held. */
  private int earliestHeld() {
    int best = -1;
    for (int i = 0; i < heldCount; i++) {
      Held h = held[i];
      if (best < 0) {
        best = i;
        continue;
      }
      Held b = held[best];
      long d = h.dueNs - b.dueNs; // difference, not comparison: nanoTime may wrap
      if (d < 0 || (d == 0 && h.seq < b.seq)) {
        best = i;
      }
    }
    return best;
  }

  private Station release(int index, ByteBuffer into) {
    Held h = held[index];
    // A packet longer than the room left is truncated, as a socket does.
    into.put(h.data, 0, Math.min(h.length, into.remaining()));
    Station from = h.from;
    h.from = null;
    // Swap the freed holder to the end so the pool keeps every Held object.
    int last = heldCount - 1;
    held[index] = held[last];
    held[last] = h;
    heldNow = heldCount = last;
    return from;
  }

  @Override
  public void wakeup() {
    inner.wakeup(); // the inner receive returns null, and so does ours
  }

  /** Closes the inner network; held packets are discarded. */
  @Override
  public void close() {
    inner.close();
  }

  @Override
  public String toString() {
    return name();
  }
}
