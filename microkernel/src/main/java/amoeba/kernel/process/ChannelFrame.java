package amoeba.kernel.process;

import amoeba.capabilities.Capability;
import amoeba.capabilities.Port;
import amoeba.ipc.rpc.RpcMessage;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * The local channel between a kernel and a child JVM in {@code jvm} isolation: frames over the
 * child's stdin (kernel to child) and stdout (child to kernel) pipes; the child's raw stderr
 * only carries what the JVM itself prints (a crash report). Big-endian:
 *
 * <pre>
 *  0      1                  5
 * +------+------------------+--------------------------+
 * | kind | length (u32)     | payload (length bytes)   |
 * +------+------------------+--------------------------+
 *
 * child to kernel                         kernel to child
 *  1 STDOUT    bytes                       16 STDIN     bytes (at most the credit left)
 *  2 STDERR    bytes                       17 STDIN_EOF -
 *  3 STDIN_ACK u32 bytes read (credit back) 18 RESULT   u32 call, u8 outcome, then:
 *  4 HELLO     u8 flags (1: Checkpointable)              OK: TRANS, GETREQ: message;
 *  5 TRANS     u32 call, i64 timeoutNs, message              SERVE: u32 handle, u64 instance
 *  6 SERVE     u32 call, u64 getPort                     NONE: getreq timed out or closed
 *  7 GETREQ    u32 call, u32 handle, i64 timeoutNs       ERROR: UTF-8 reason
 *  8 PUTREP    u32 call, u32 handle, message (no RESULT) 19 STUN   - (stop at a safe point)
 *  9 CLOSE     u32 call, u32 handle (no RESULT)          20 START  u8 hasRoot, 16 bytes root
 * 10 STUNNED   checkpoint bytes (at the safe point)          cap, i32 n (-1: none), n bytes state
 *
 * message: u64 port, u64 signature, u32 object, u8 rights, u64 check, u32 command/status,
 *          u32 offset, u32 size, u32 extra, then the data (the rest of the frame)
 * </pre>
 *
 * A call number names one child thread (one call at a time per thread): the kernel runs all of
 * a call number's frames on one proxy thread of its own, in order, because Amoeba's getreq and
 * putrep belong to a thread. Groups are not offered over the channel.
 */
public final class ChannelFrame {
  private ChannelFrame() {}

  /** Bytes before the payload. */
  public static final int HEADER = 5;
  /** Largest payload (16 MiB): a longer length is malformed, so a reader allocates no more. */
  public static final int MAX_PAYLOAD = 16 << 20;
  /** Bytes of an encoded message before its data. */
  public static final int MESSAGE_HEADER = 8 + 8 + 4 + 1 + 8 + 4 + 4 + 4 + 4;

  public static final int STDOUT = 1;
  public static final int STDERR = 2;
  public static final int STDIN_ACK = 3;
  public static final int HELLO = 4;
  public static final int TRANS = 5;
  public static final int SERVE = 6;
  public static final int GETREQ = 7;
  public static final int PUTREP = 8;
  public static final int CLOSE = 9;
  public static final int STUNNED = 10;
  public static final int STDIN = 16;
  public static final int STDIN_EOF = 17;
  public static final int RESULT = 18;
  public static final int STUN = 19;
  public static final int START = 20;

  public static final int OK = 0;
  public static final int NONE = 1;
  public static final int ERROR = 2;

  /** HELLO flag: the program implements Checkpointable. */
  public static final int CHECKPOINTABLE = 1;

  /** Bytes that break the protocol; the reader's side ends the channel. */
  public static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    public Malformed(String message) {
      super(message);
    }
  }

  /** Writes whole frames; thread-safe (one frame at a time). */
  public static final class Writer {
    private final OutputStream out;
    private final byte[] header = new byte[HEADER];

    public Writer(OutputStream out) {
      this.out = out;
    }

    public synchronized void write(int kind, byte[] payload, int off, int len) throws IOException {
      header[0] = (byte) kind;
      header[1] = (byte) (len >>> 24);
      header[2] = (byte) (len >>> 16);
      header[3] = (byte) (len >>> 8);
      header[4] = (byte) len;
      out.write(header);
      out.write(payload, off, len);
      out.flush();
    }

    public void write(int kind, ByteBuffer payload) throws IOException {
      write(kind, payload.array(), payload.arrayOffset() + payload.position(), payload.remaining());
    }

    public void write(int kind) throws IOException {
      write(kind, new byte[0], 0, 0);
    }

    public void close() throws IOException {
      out.close();
    }
  }

  /** Reads frames one at a time; not thread-safe (one reader thread). */
  public static final class Reader {
    private final InputStream in;
    private final byte[] header = new byte[HEADER];
    private int kind;

    public Reader(InputStream in) {
      this.in = in;
    }

    /**
     * The next frame's payload (a fresh buffer: the caller may hand it to another thread); its
     * kind in {@link #kind()}. @return null at the end of the stream between frames
     */
    public ByteBuffer next() throws IOException, Malformed {
      int first = in.read();
      if (first < 0) {
        return null;
      }
      header[0] = (byte) first;
      readFully(header, 1, HEADER - 1);
      kind = first;
      int length = ByteBuffer.wrap(header, 1, 4).getInt();
      if (length < 0 || length > MAX_PAYLOAD) {
        throw new Malformed("frame of kind " + kind + " with length " + Integer.toUnsignedString(length)
            + " (at most " + MAX_PAYLOAD + ")");
      }
      byte[] payload = new byte[length];
      readFully(payload, 0, length);
      return ByteBuffer.wrap(payload);
    }

    public int kind() {
      return kind;
    }

    private void readFully(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n = in.read(b, off, len);
        if (n < 0) {
          throw new EOFException("the channel ended inside a frame");
        }
        off += n;
        len -= n;
      }
    }
  }

  /** A frame's payload with room for {@code n} more bytes after {@code call}. */
  static ByteBuffer call(int call, int n) {
    return ByteBuffer.allocate(4 + n).putInt(call);
  }

  /** Appends {@code m} (header fields and data) to a fresh buffer after {@code prefix} bytes. */
  static ByteBuffer withMessage(ByteBuffer prefix, RpcMessage m) {
    prefix.flip();
    ByteBuffer b = ByteBuffer.allocate(prefix.remaining() + MESSAGE_HEADER + m.dataLength());
    b.put(prefix);
    b.putLong(m.port()).putLong(m.signature()).putInt(m.object()).put((byte) m.rights())
        .putLong(m.check()).putInt(m.command()).putInt(m.offset()).putInt(m.size()).putInt(m.extra());
    ByteBuffer d = m.data();
    b.put(d.duplicate());
    return b.flip();
  }

  /** Reads a message (the rest of {@code b}) into {@code m}; its data is a copy. */
  static RpcMessage readMessage(ByteBuffer b, RpcMessage m) throws Malformed {
    try {
      long port = b.getLong();
      long signature = b.getLong();
      int object = b.getInt();
      int rights = b.get() & 0xFF;
      long check = b.getLong();
      m.clear().capability(new Capability(new Port(port), object, rights, check));
      m.signature(signature).command(b.getInt()).offset(b.getInt()).size(b.getInt()).extra(b.getInt());
      byte[] data = new byte[b.remaining()];
      b.get(data);
      return m.data(ByteBuffer.wrap(data));
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new Malformed("a bad message: " + e.getMessage());
    }
  }
}
