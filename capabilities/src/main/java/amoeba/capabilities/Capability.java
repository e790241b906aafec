package amoeba.capabilities;

import amoeba.capabilities.CapabilityFormatException.Reason;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * An Amoeba capability: 128 bits naming an object and proving the holder's rights to it.
 *
 * <pre>
 *    0               6       9  10              16   (byte offsets)
 *    +---------------+-------+--+---------------+
 *    | server port   | object|R | check field   |
 *    | 48 bits       | 24    |8 | 48 bits       |
 *    +---------------+-------+--+---------------+
 * </pre>
 *
 * <p>Every field is big-endian, whatever the order a {@link ByteBuffer} is set to: the bytes
 * are the same on every host and in every message. The server port is the server's put-port;
 * the check field is what {@link CheckScheme} makes and verifies.
 *
 * <p>Invariants: object 0..2^24-1, rights 0..255, check 0..2^48-1. Since every field fills its
 * bytes exactly, any 16 bytes decode to a capability; only a wrong length is malformed.
 */
public record Capability(Port port, int object, int rights, long check) {
  public static final int SIZE = 16;
  public static final int PORT_OFFSET = 0;
  public static final int OBJECT_OFFSET = 6;
  public static final int RIGHTS_OFFSET = 9;
  public static final int CHECK_OFFSET = 10;

  public static final int OBJECT_BITS = 24;
  /** Object numbers are 0..MAX_OBJECT. */
  public static final int MAX_OBJECT = (1 << OBJECT_BITS) - 1;
  public static final long CHECK_MASK = (1L << 48) - 1;

  public Capability {
    Objects.requireNonNull(port, "port");
    if (object < 0 || object > MAX_OBJECT) {
      throw new IllegalArgumentException("object number is 24 bits: " + object);
    }
    Rights.checkRange(rights);
    if ((check & ~CHECK_MASK) != 0) {
      throw new IllegalArgumentException("check field is 48 bits: " + Long.toHexString(check));
    }
  }

  /** Whether this is an owner capability (all rights), whose check is the object's secret. */
  public boolean isOwner() {
    return rights == Rights.ALL;
  }

  /** Whether the rights field holds every bit of {@code required}. */
  public boolean has(int required) {
    return Rights.contains(rights, required);
  }

  // Flyweight readers: one field straight from a message, without making a Capability.
  // Callers check the bounds once (read does); these use absolute gets and ignore buffer order.

  public static Port port(ByteBuffer buffer, int offset) {
    return new Port(getBits(buffer, offset + PORT_OFFSET, 6));
  }

  public static int object(ByteBuffer buffer, int offset) {
    return (int) getBits(buffer, offset + OBJECT_OFFSET, 3);
  }

  public static int rights(ByteBuffer buffer, int offset) {
    return buffer.get(offset + RIGHTS_OFFSET) & 0xFF;
  }

  public static long check(ByteBuffer buffer, int offset) {
    return getBits(buffer, offset + CHECK_OFFSET, 6);
  }

  /**
   * Decodes the 16 bytes at {@code offset} (absolute; position and limit are left alone).
   *
   * @throws CapabilityFormatException if fewer than 16 bytes lie between offset and the limit
   */
  public static Capability read(ByteBuffer buffer, int offset) {
    if (offset < 0 || offset > buffer.limit() - SIZE) {
      throw new CapabilityFormatException(
          Reason.LENGTH,
          "a capability is " + SIZE + " bytes; offset " + offset + " of a buffer limited to "
              + buffer.limit() + " does not hold one");
    }
    return new Capability(
        port(buffer, offset), object(buffer, offset), rights(buffer, offset), check(buffer, offset));
  }

  /** Encodes into the 16 bytes at {@code offset} (absolute; position and limit unchanged). */
  public void write(ByteBuffer buffer, int offset) {
    Objects.checkFromIndexSize(offset, SIZE, buffer.limit());
    putBits(buffer, offset + PORT_OFFSET, port.value(), 6);
    putBits(buffer, offset + OBJECT_OFFSET, object, 3);
    buffer.put(offset + RIGHTS_OFFSET, (byte) rights);
    putBits(buffer, offset + CHECK_OFFSET, check, 6);
  }

  public byte[] toBytes() {
    byte[] bytes = new byte[SIZE];
    write(ByteBuffer.wrap(bytes), 0);
    return bytes;
  }

  /**
   * Decodes exactly 16 bytes.
   *
   * @throws CapabilityFormatException if the array is not 16 bytes long
   */
  public static Capability fromBytes(byte[] bytes) {
    if (bytes.length != SIZE) {
      throw new CapabilityFormatException(
          Reason.LENGTH, "a capability is " + SIZE + " bytes, got " + bytes.length);
    }
    return read(ByteBuffer.wrap(bytes), 0);
  }

  /**
   * Port, object and rights, but never the check: a capability is a password, and toString ends
   * up in logs. Use {@link CapabilityText#format} to show the whole capability on purpose.
   */
  @Override
  public String toString() {
    return "Capability[port=" + port + ", object=" + object + ", rights="
        + Rights.toLetters(rights) + ", check=(hidden)]";
  }

  private static long getBits(ByteBuffer buffer, int index, int bytes) {
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      v = (v << 8) | (buffer.get(index + i) & 0xFF);
    }
    return v;
  }

  private static void putBits(ByteBuffer buffer, int index, long value, int bytes) {
    for (int i = 0; i < bytes; i++) {
      buffer.put(index + i, (byte) (value >>> (8 * (bytes - 1 - i))));
    }
  }
}
