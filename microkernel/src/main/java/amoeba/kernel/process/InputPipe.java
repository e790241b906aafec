package amoeba.kernel.process;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * A process's stdin: bytes the caller forwards (process server WRITE_STDIN), end of stream once
 * it closes. Bounded: a writer that would exceed {@code capacityBytes} is refused (the caller
 * retries), so a program that never reads cannot make its kernel buffer without limit.
 */
public final class InputPipe extends InputStream {
  private final int capacityBytes;
  private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
  private byte[] head;
  private int headAt;
  private int buffered;
  private boolean closed;

  public InputPipe(int capacityBytes) {
    this.capacityBytes = capacityBytes;
  }

  /** @return false if the pipe is full or closed (nothing taken) */
  public synchronized boolean offer(byte[] bytes) {
    if (closed || buffered + bytes.length > capacityBytes) {
      return false;
    }
    if (bytes.length > 0) {
      chunks.add(bytes.clone());
      buffered += bytes.length;
      notifyAll();
    }
    return true;
  }

  public synchronized boolean isClosed() {
    return closed;
  }

  /** End of input: a reader gets -1 once the buffered bytes are read. */
  @Override
  public synchronized void close() {
    closed = true;
    notifyAll();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xFF;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (head == null) {
      head = chunks.poll();
      headAt = 0;
      if (head != null) {
        break;
      }
      if (closed) {
        return -1;
      }
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading stdin");
      }
    }
    int n = Math.min(len, head.length - headAt);
    System.arraycopy(head, headAt, b, off, n);
    headAt += n;
    buffered -= n;
    if (headAt == head.length) {
      head = null;
    }
    return n;
  }

  @Override
  public synchronized int available() {
    return buffered;
  }
}
