package amoeba.kernel.server;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Request and reply data of the kernel servers and the system servers: big-endian fields,
 * u16-prefixed UTF-8 strings.
 */
public final class Wire {
  private Wire() {}

  /** Malformed data: the server answers BADPARAM. */
  public static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    public Malformed(String message) {
      super(message);
    }
  }

  /** A growable writer. */
  public static final class Out {
    private ByteBuffer b = ByteBuffer.allocate(256);

    private void room(int n) {
      if (b.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n));
        b.flip();
        bigger.put(b);
        b = bigger;
      }
    }

    public Out u8(int v) {
      room(1);
      b.put((byte) v);
      return this;
    }

    public Out u16(int v) {
      room(2);
      b.putShort((short) v);
      return this;
    }

    public Out i32(int v) {
      room(4);
      b.putInt(v);
      return this;
    }

    public Out i64(long v) {
      room(8);
      b.putLong(v);
      return this;
    }

    public Out bytes(byte[] v) {
      room(v.length);
      b.put(v);
      return this;
    }

    public Out str(String s) {
      byte[] u = s.getBytes(StandardCharsets.UTF_8);
      if (u.length > 0xFFFF) {
        throw new IllegalArgumentException("a string is at most 65535 bytes of UTF-8");
      }
      return u16(u.length).bytes(u);
    }

    /** A copy of the written bytes. */
    public byte[] toByteArray() {
      return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** The written bytes, ready to send (position 0, limit = length). */
    public ByteBuffer buffer() {
      return b.duplicate().flip();
    }
  }

  /** A reader over a copy of received data; every getter throws Malformed past the end. */
  public static final class In {
    private final ByteBuffer b;

    public In(ByteBuffer data) {
      this.b = data.slice();
    }

    public int u8() throws Malformed {
      try {
        return b.get() & 0xFF;
      } catch (BufferUnderflowException e) {
        throw new Malformed("data too short");
      }
    }

    public int u16() throws Malformed {
      try {
        return b.getShort() & 0xFFFF;
      } catch (BufferUnderflowException e) {
        throw new Malformed("data too short");
      }
    }

    public int i32() throws Malformed {
      try {
        return b.getInt();
      } catch (BufferUnderflowException e) {
        throw new Malformed("data too short");
      }
    }

    public long i64() throws Malformed {
      try {
        return b.getLong();
      } catch (BufferUnderflowException e) {
        throw new Malformed("data too short");
      }
    }

    public byte[] bytes(int n) throws Malformed {
      if (n < 0 || n > b.remaining()) {
        throw new Malformed("data too short");
      }
      byte[] v = new byte[n];
      b.get(v);
      return v;
    }

    /** Bytes not read yet. */
    public int remaining() {
      return b.remaining();
    }

    public byte[] rest() {
      byte[] v = new byte[b.remaining()];
      b.get(v);
      return v;
    }

    public String str() throws Malformed {
      return new String(bytes(u16()), StandardCharsets.UTF_8);
    }
  }
}
