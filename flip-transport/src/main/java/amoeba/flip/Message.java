package amoeba.flip;

import java.nio.ByteBuffer;

/**
 * One whole FLIP message as an endpoint receives it. Small messages live in buffers the box
 * pools; call {@link #release()} when done so the receive path allocates nothing. A message is
 * owned by the one thread that received it until released; never touch it afterwards.
 */
public final class Message {
  private final MessagePool pool;
  private final ByteBuffer pooledBuffer;
  private ByteBuffer payload;
  private long source;
  private long destination;

  Message(MessagePool pool, int capacity) {
    this.pool = pool;
    this.pooledBuffer = capacity > 0 ? ByteBuffer.allocate(capacity) : null;
  }

  /** The sender's public FLIP address. */
  public long source() {
    return source;
  }

  /** The address it was sent to: the receiving endpoint's, or a group address. */
  public long destination() {
    return destination;
  }

  /** The payload, position 0 to limit = its length. */
  public ByteBuffer payload() {
    return payload;
  }

  /** Hands the buffer back to the box. */
  public void release() {
    payload = null;
    if (pool != null) {
      pool.give(this);
    }
  }

  /** Fills a pooled message with a copy of {@code data} (position to limit). */
  Message fill(long src, long dst, ByteBuffer data) {
    source = src;
    destination = dst;
    ByteBuffer b = pooledBuffer;
    int length = data.remaining();
    b.clear().limit(length);
    b.put(0, data, data.position(), length);
    payload = b;
    return this;
  }

  /** Wraps a reassembled buffer as is (no copy): large messages are not pooled. */
  static Message wrap(long src, long dst, ByteBuffer whole) {
    Message m = new Message(null, 0);
    m.source = src;
    m.destination = dst;
    m.payload = whole;
    return m;
  }

  int capacity() {
    return pooledBuffer == null ? 0 : pooledBuffer.capacity();
  }
}
