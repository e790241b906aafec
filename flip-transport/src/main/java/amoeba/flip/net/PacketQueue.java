package amoeba.flip.net;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded inbox of a network that is not a socket (the in-JVM loopback, MQTT): a ring of
 * packets with their senders, filled by whoever delivers and emptied by {@link #take}, which is
 * what {@link Network#receive} does for such networks. A full queue drops and counts; {@link
 * #wakeup} makes a waiting (or the next) take return null; after {@link #close} take throws.
 *
 * <p>Packets are either copied into slot arrays the queue keeps and reuses ({@link #offerCopy}:
 * no garbage per packet), or adopted as they are ({@link #offerArray}: for arrays that are fresh
 * per message anyway, like Paho's payloads).
 */
public final class PacketQueue<S extends Station> {
  /** Slot arrays start at this size, so a stream of small packets reuses them. */
  private static final int MIN_SLOT_BYTES = 2048;

  // Invariant: 0 <= count <= capacity; the packets are slots[head .. head+count) modulo the
  // capacity, slot i holding bytes [offsets[i], offsets[i] + lengths[i]) of arrays[i].
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final byte[][] arrays;
  private final boolean[] adopted;
  private final int[] offsets;
  private final int[] lengths;
  private final Station[] senders;
  private int head;
  private int count;
  private long drops;
  private boolean wakeupRequested;
  private boolean closed;

  public PacketQueue(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1");
    }
    arrays = new byte[capacity][];
    adopted = new boolean[capacity];
    offsets = new int[capacity];
    lengths = new int[capacity];
    senders = new Station[capacity];
  }

  /** Queues a copy of {@code packet} (position to limit, unchanged); false once closed. */
  public boolean offerCopy(ByteBuffer packet, S from) {
    int length = packet.remaining();
    lock.lock();
    try {
      int tail = tail();
      if (tail < 0) {
        return !closed;
      }
      byte[] slot = arrays[tail];
      if (slot == null || adopted[tail] || slot.length < length) {
        slot = new byte[Math.max(length, MIN_SLOT_BYTES)];
        arrays[tail] = slot;
      }
      packet.get(packet.position(), slot, 0, length); // absolute: position stays put
      push(tail, false, 0, length, from);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Queues bytes [offset, end) of {@code array} without copying; the array is ours now. */
  public boolean offerArray(byte[] array, int offset, S from) {
    lock.lock();
    try {
      int tail = tail();
      if (tail < 0) {
        return !closed;
      }
      arrays[tail] = array;
      push(tail, true, offset, array.length - offset, from);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The slot to fill, or -1 (closed, or full: counted). Under the lock. */
  private int tail() {
    if (closed) {
      return -1;
    }
    if (count == arrays.length) {
      drops++;
      return -1;
    }
    return (head + count) % arrays.length;
  }

  private void push(int tail, boolean adopt, int offset, int length, S from) {
    adopted[tail] = adopt;
    offsets[tail] = offset;
    lengths[tail] = length;
    senders[tail] = from;
    count++;
    notEmpty.signal();
  }

  /**
   * Takes the oldest packet into {@code into} (from its position; a longer packet is truncated),
   * waiting up to {@code timeoutNanos}. Returns its sender, or null at the timeout, after {@link
   * #wakeup()}, or when the calling thread is interrupted (the interrupt status stays set).
   *
   * @throws ClosedChannelException once closed
   */
  @SuppressWarnings("unchecked")
  public S take(ByteBuffer into, long timeoutNanos) throws ClosedChannelException {
    long remainingNs = timeoutNanos;
    lock.lock();
    try {
      for (; ; ) {
        if (closed) {
          throw new ClosedChannelException();
        }
        if (count > 0) {
          into.put(arrays[head], offsets[head], Math.min(lengths[head], into.remaining()));
          S from = (S) senders[head];
          senders[head] = null;
          if (adopted[head]) {
            arrays[head] = null; // not ours to reuse
          }
          head = (head + 1) % arrays.length;
          count--;
          return from;
        }
        if (wakeupRequested) {
          wakeupRequested = false;
          return null;
        }
        if (remainingNs <= 0) {
          return null;
        }
        try {
          remainingNs = notEmpty.awaitNanos(remainingNs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  public void wakeup() {
    lock.lock();
    try {
      wakeupRequested = true;
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Frees the packets; a blocked take wakes and throws. Idempotent. */
  public void close() {
    lock.lock();
    try {
      closed = true;
      Arrays.fill(arrays, null);
      Arrays.fill(senders, null);
      count = 0;
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Packets waiting now. */
  public int size() {
    lock.lock();
    try {
      return count;
    } finally {
      lock.unlock();
    }
  }

  /** Packets dropped because the queue was full. */
  public long drops() {
    lock.lock();
    try {
      return drops;
    } finally {
      lock.unlock();
    }
  }
}
