package amoeba.flip;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Buffers for single-packet messages, so the steady-state receive path allocates nothing. The
 * pool is bounded; when it is empty a fresh message is allocated (counted) rather than dropping,
 * and extras beyond the bound are left to the garbage collector.
 */
final class MessagePool {
  private final ArrayBlockingQueue<Message> free;
  private final int bufferBytes;
  private final java.util.concurrent.atomic.AtomicLong allocated = new java.util.concurrent.atomic.AtomicLong();

  MessagePool(int capacity, int bufferBytes) {
    this.free = new ArrayBlockingQueue<>(capacity);
    this.bufferBytes = bufferBytes;
  }

  /** A message holding a copy of {@code data}; data longer than the buffers is wrapped. */
  Message take(long src, long dst, ByteBuffer data) {
    if (data.remaining() > bufferBytes) {
      ByteBuffer copy = ByteBuffer.allocate(data.remaining());
      copy.put(0, data, data.position(), data.remaining());
      return Message.wrap(src, dst, copy);
    }
    Message m = free.poll();
    if (m == null) {
      allocated.incrementAndGet();
      m = new Message(this, bufferBytes);
    }
    return m.fill(src, dst, data);
  }

  void give(Message m) {
    free.offer(m);
  }

  /** Messages allocated because the pool was empty: steady state should stop growing this. */
  long allocated() {
    return allocated.get();
  }
}
