package amoeba.kernel.process;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * One output stream of a process as a log with absolute byte offsets, so a reader can ask for
 * "everything after offset N" (long-poll) and lose nothing while it keeps up. The newest {@code
 * retainBytes} are kept; a reader that falls further behind skips the dropped bytes (the chunk
 * it gets starts later than it asked). Writers and readers synchronize on the process's lock,
 * which is notified on every write, so one wait covers both streams and the process's end.
 */
public final class OutputLog extends OutputStream {
  /** A part of the log: {@code start} is the absolute offset of {@code bytes[0]}. */
  public record Chunk(long start, byte[] bytes) {
    public long end() {
      return start + bytes.length;
    }
  }

  private final Object lock;
  private final int retainBytes;
  private byte[] buffer = new byte[256];
  /** Absolute offset of buffer[0]. */
  private long base;
  private int length;
  private boolean closed;

  public OutputLog(Object lock, int retainBytes) {
    this.lock = lock;
    this.retainBytes = retainBytes;
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    synchronized (lock) {
      if (closed) {
        return; // a finished process's late threads: dropped, like writes to a closed pipe
      }
      if (len >= retainBytes) {
        base += length + len - retainBytes;
        buffer = Arrays.copyOfRange(b, off + len - retainBytes, off + len);
        length = retainBytes;
      } else {
        int drop = Math.max(0, length + len - retainBytes);
        if (drop > 0) {
          System.arraycopy(buffer, drop, buffer, 0, length - drop);
          length -= drop;
          base += drop;
        }
        if (length + len > buffer.length) {
          buffer = Arrays.copyOf(buffer, Math.min(retainBytes, Math.max(length + len, 2 * buffer.length)));
        }
        System.arraycopy(b, off, buffer, length, len);
        length += len;
      }
      lock.notifyAll();
    }
  }

  /** Bytes written so far (absolute end offset). Call with the lock held or accept a race. */
  public long end() {
    synchronized (lock) {
      return base + length;
    }
  }

  /** Up to {@code maxBytes} from {@code offset} on (or from the oldest retained byte). */
  public Chunk read(long offset, int maxBytes) {
    synchronized (lock) {
      long from = Math.max(offset, base);
      long end = base + length;
      if (from >= end) {
        return new Chunk(Math.min(from, end), new byte[0]);
      }
      int n = (int) Math.min(maxBytes, end - from);
      int at = (int) (from - base);
      return new Chunk(from, Arrays.copyOfRange(buffer, at, at + n));
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
  }
}
