package amoeba.flip;

import amoeba.flip.wire.FlipAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.BooleanSupplier;

/**
 * A registered FLIP address in one box: what a process (or a server's port) sends from and
 * receives on. Many threads may send and receive on one endpoint at once; each received
 * message goes to exactly one of them.
 */
public final class Endpoint implements AutoCloseable {
  private final FlipBox box;
  private final long address;
  private final ArrayBlockingQueue<Message> inbox;
  private final BooleanSupplier hasMail;
  private volatile boolean closed;

  Endpoint(FlipBox box, long address, int inboxCapacity) {
    this.box = box;
    this.address = address;
    this.inbox = new ArrayBlockingQueue<>(inboxCapacity);
    this.hasMail = () -> !inbox.isEmpty() || closed;
  }

  /** The public address others send to. */
  public long address() {
    return address;
  }

  /** Sends a message (position to limit, unchanged) to one endpoint; see FlipBox#send. */
  public void send(long destination, ByteBuffer message) {
    box.send(address, destination, message);
  }

  /** Sends a message to every endpoint that joined {@code group}. */
  public void multicast(long group, ByteBuffer message) {
    box.multicast(address, group, message);
  }

  public void join(long group) {
    if (!FlipAddress.isGroup(group)) {
      throw new IllegalArgumentException(FlipAddress.toString(group) + " is not a group address");
    }
    box.join(this, group);
  }

  public void leave(long group) {
    box.leave(this, group);
  }

  /**
   * Waits up to {@code timeoutNanos} until {@code destination} is reachable; false if nobody
   * answered the LOCATE in time.
   */
  public boolean locate(long destination, long timeoutNanos) {
    return box.locate(destination, timeoutNanos);
  }

  /**
   * The next message, or null after {@code timeoutNanos} (or once closed). Release it when
   * done.
   */
  public Message receive(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      Message m = inbox.poll();
      if (m != null || closed) {
        return m;
      }
      if (!box.await(hasMail, deadline)) {
        return inbox.poll();
      }
    }
  }

  boolean offer(Message m) {
    return !closed && inbox.offer(m);
  }

  /** Messages waiting. */
  public int pending() {
    return inbox.size();
  }

  public boolean isClosed() {
    return closed;
  }

  /** Unregisters: later packets for this address get NOTHERE (or go to another holder). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    box.closed(this);
    for (Message m; (m = inbox.poll()) != null; ) {
      m.release();
    }
    box.wake(); // threads waiting in receive see `closed` and return
  }

  @Override
  public String toString() {
    return "Endpoint[" + FlipAddress.toString(address) + "]";
  }
}
