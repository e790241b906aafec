package amoeba.flip.wire;

import amoeba.flip.stats.DropReason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flyweight over the FLIP packet header: static getters and setters at absolute positions
 * ({@code at} = where the header starts in the buffer), big-endian whatever the buffer's
 * {@link ByteBuffer#order()}, never touching position or limit, never allocating.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Version (1)  |     Type      |     Flags     |   Hop Count   |  0
 *  +---------------+---------------+---------------+---------------+
 *  |   Max Hops    | Reserved (0)  |         Reserved (0)          |  4
 *  +---------------+---------------+-------------------------------+
 *  |                            Pool Id                            |  8
 *  +---------------------------------------------------------------+
 *  |                          Message Id                           | 12
 *  +---------------------------------------------------------------+
 *  |                                                               | 16
 *  +                 Destination Address (FLIP/group)              +
 *  |                                                               | 20
 *  +---------------------------------------------------------------+
 *  |                                                               | 24
 *  +                        Source Address                         +
 *  |                                                               | 28
 *  +---------------------------------------------------------------+
 *  |             Length (payload bytes in this packet)             | 32
 *  +---------------------------------------------------------------+
 *  |          Offset (of this fragment within the message)         | 36
 *  +---------------------------------------------------------------+
 *  |              Total (length of the whole message)              | 40
 *  +---------------------------------------------------------------+
 *  |          Sequence (per sending box, for replay window)        | 44
 *  +---------------------------------------------------------------+
 *  |                                                               | 48
 *  +           Box Epoch (random per box start; names the box)     +
 *  |                                                               | 52
 *  +---------------------------------------------------------------+
 *  |                    Payload (Length bytes)                   ...  56
 *  +---------------------------------------------------------------+
 *  |         Tag (16 bytes, present iff flags has AUTHENTICATED) ...  56 + Length
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>All u32 fields are unsigned on the wire; the getters return the raw 32 bits as an
 * {@code int}. After {@link #validate} has passed, length, offset and total are all in
 * {@code 0..maxMessageBytes} and so non-negative. Hop count counts hops so far (routers increment
 * it; it is excluded from the tag). Message id with the source names a message for reassembly;
 * epoch with sequence feeds the receiver's replay window.
 */
public final class FlipHeader {
  public static final int VERSION = 1;
  /** Header bytes before the payload. */
  public static final int LENGTH = 56;
  /** Bytes of the authentication tag after the payload, when present. */
  public static final int TAG_LENGTH = 16;

  public static final int VERSION_OFFSET = 0;
  public static final int TYPE_OFFSET = 1;
  public static final int FLAGS_OFFSET = 2;
  public static final int HOP_COUNT_OFFSET = 3;
  public static final int MAX_HOPS_OFFSET = 4;
  public static final int RESERVED8_OFFSET = 5;
  public static final int RESERVED16_OFFSET = 6;
  public static final int POOL_ID_OFFSET = 8;
  public static final int MESSAGE_ID_OFFSET = 12;
  public static final int DESTINATION_OFFSET = 16;
  public static final int SOURCE_OFFSET = 24;
  public static final int LENGTH_OFFSET = 32;
  public static final int OFFSET_OFFSET = 36;
  public static final int TOTAL_OFFSET = 40;
  public static final int SEQUENCE_OFFSET = 44;
  public static final int EPOCH_OFFSET = 48;
  public static final int PAYLOAD_OFFSET = LENGTH;

  private FlipHeader() {}

  // --- byte-order-independent primitives (big-endian on the wire) ---

  private static int u8(ByteBuffer b, int i) {
    return b.get(i) & 0xFF;
  }

  private static int i32(ByteBuffer b, int i) {
    int v = b.getInt(i);
    return b.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
  }

  private static void i32(ByteBuffer b, int i, int v) {
    b.putInt(i, b.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v));
  }

  private static long i64(ByteBuffer b, int i) {
    long v = b.getLong(i);
    return b.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v);
  }

  private static void i64(ByteBuffer b, int i, long v) {
    b.putLong(i, b.order() == ByteOrder.BIG_ENDIAN ? v : Long.reverseBytes(v));
  }

  // --- fields; u8 setters keep the low 8 bits ---

  public static int version(ByteBuffer b, int at) {
    return u8(b, at + VERSION_OFFSET);
  }

  public static void version(ByteBuffer b, int at, int version) {
    b.put(at + VERSION_OFFSET, (byte) version);
  }

  /** The raw type byte, 0..255. */
  public static int typeCode(ByteBuffer b, int at) {
    return u8(b, at + TYPE_OFFSET);
  }

  /** The packet type, or {@code null} for an unknown code. */
  public static PacketType type(ByteBuffer b, int at) {
    return PacketType.fromCode(typeCode(b, at));
  }

  public static void type(ByteBuffer b, int at, PacketType type) {
    b.put(at + TYPE_OFFSET, (byte) type.code());
  }

  /** {@link PacketFlags} bits, 0..255. */
  public static int flags(ByteBuffer b, int at) {
    return u8(b, at + FLAGS_OFFSET);
  }

  public static void flags(ByteBuffer b, int at, int flags) {
    b.put(at + FLAGS_OFFSET, (byte) flags);
  }

  /** Whether the AUTHENTICATED flag is set, i.e. a tag follows the payload. */
  public static boolean authenticated(ByteBuffer b, int at) {
    return (flags(b, at) & PacketFlags.AUTHENTICATED) != 0;
  }

  /** Hops taken so far, 0..255. */
  public static int hopCount(ByteBuffer b, int at) {
    return u8(b, at + HOP_COUNT_OFFSET);
  }

  public static void hopCount(ByteBuffer b, int at, int hops) {
    b.put(at + HOP_COUNT_OFFSET, (byte) hops);
  }

  public static int maxHops(ByteBuffer b, int at) {
    return u8(b, at + MAX_HOPS_OFFSET);
  }

  public static void maxHops(ByteBuffer b, int at, int maxHops) {
    b.put(at + MAX_HOPS_OFFSET, (byte) maxHops);
  }

  public static int poolId(ByteBuffer b, int at) {
    return i32(b, at + POOL_ID_OFFSET);
  }

  public static void poolId(ByteBuffer b, int at, int poolId) {
    i32(b, at + POOL_ID_OFFSET, poolId);
  }

  public static int messageId(ByteBuffer b, int at) {
    return i32(b, at + MESSAGE_ID_OFFSET);
  }

  public static void messageId(ByteBuffer b, int at, int messageId) {
    i32(b, at + MESSAGE_ID_OFFSET, messageId);
  }

  public static long destination(ByteBuffer b, int at) {
    return i64(b, at + DESTINATION_OFFSET);
  }

  public static void destination(ByteBuffer b, int at, long address) {
    i64(b, at + DESTINATION_OFFSET, address);
  }

  public static long source(ByteBuffer b, int at) {
    return i64(b, at + SOURCE_OFFSET);
  }

  public static void source(ByteBuffer b, int at, long address) {
    i64(b, at + SOURCE_OFFSET, address);
  }

  /** Payload bytes in this packet (u32, raw bits). */
  public static int length(ByteBuffer b, int at) {
    return i32(b, at + LENGTH_OFFSET);
  }

  public static void length(ByteBuffer b, int at, int length) {
    i32(b, at + LENGTH_OFFSET, length);
  }

  /** This fragment's byte offset within the message (u32, raw bits). */
  public static int offset(ByteBuffer b, int at) {
    return i32(b, at + OFFSET_OFFSET);
  }

  public static void offset(ByteBuffer b, int at, int offset) {
    i32(b, at + OFFSET_OFFSET, offset);
  }

  /** The whole message's length in bytes (u32, raw bits). */
  public static int total(ByteBuffer b, int at) {
    return i32(b, at + TOTAL_OFFSET);
  }

  public static void total(ByteBuffer b, int at, int total) {
    i32(b, at + TOTAL_OFFSET, total);
  }

  /** Per-sending-box packet counter (u32, raw bits). */
  public static int sequence(ByteBuffer b, int at) {
    return i32(b, at + SEQUENCE_OFFSET);
  }

  public static void sequence(ByteBuffer b, int at, int sequence) {
    i32(b, at + SEQUENCE_OFFSET, sequence);
  }

  public static long epoch(ByteBuffer b, int at) {
    return i64(b, at + EPOCH_OFFSET);
  }

  public static void epoch(ByteBuffer b, int at, long epoch) {
    i64(b, at + EPOCH_OFFSET, epoch);
  }

  /** Where the payload starts: {@code at + LENGTH}. */
  public static int payloadOffset(int at) {
    return at + PAYLOAD_OFFSET;
  }

  /**
   * Header + payload + tag (if AUTHENTICATED), from the header's own fields: the length a
   * validated packet has. A long because an unvalidated length field can be up to 2^32 - 1.
   */
  public static long packetLength(ByteBuffer b, int at) {
    return LENGTH + Integer.toUnsignedLong(length(b, at)) + (authenticated(b, at) ? TAG_LENGTH : 0);
  }

  /**
   * Writes every header field: version 1, hop count 0, reserved bytes 0. The payload and the
   * tag are the caller's (sign after setting AUTHENTICATED in {@code flags}).
   */
  public static void write(
      ByteBuffer b,
      int at,
      PacketType type,
      int flags,
      int maxHops,
      int poolId,
      int messageId,
      long dst,
      long src,
      int length,
      int offset,
      int total,
      int sequence,
      long epoch) {
    version(b, at, VERSION);
    type(b, at, type);
    flags(b, at, flags);
    hopCount(b, at, 0);
    maxHops(b, at, maxHops);
    b.put(at + RESERVED8_OFFSET, (byte) 0);
    b.putShort(at + RESERVED16_OFFSET, (short) 0);
    poolId(b, at, poolId);
    messageId(b, at, messageId);
    destination(b, at, dst);
    source(b, at, src);
    length(b, at, length);
    offset(b, at, offset);
    total(b, at, total);
    sequence(b, at, sequence);
    epoch(b, at, epoch);
  }

  /**
   * Structural check of a received packet of {@code packetLength} bytes at {@code at}: returns
   * the first reason it is malformed, or {@code null} when sound. Checks, in order: at least a
   * header (SHORT_HEADER); the packet lies within the buffer's limit (BAD_LENGTH); version
   * (BAD_VERSION); known type (BAD_TYPE); reserved bytes and unknown flag bits zero
   * (BAD_HEADER); header + length + tag == packetLength (BAD_LENGTH); offset + length <= total
   * (BAD_FRAGMENT); total <= maxMessageBytes (TOO_LARGE); hop count <= max hops (HOP_LIMIT).
   * Unsigned arithmetic in longs: no overflow. Never throws, never allocates. Pool, tag and
   * replay are {@link PacketCheck}'s business.
   */
  public static DropReason validate(ByteBuffer b, int at, int packetLength, int maxMessageBytes) {
    if (packetLength < LENGTH) {
      return DropReason.SHORT_HEADER;
    }
    if (at < 0 || packetLength > b.limit() - at) {
      return DropReason.BAD_LENGTH; // caller's length runs past the data actually received
    }
    if (version(b, at) != VERSION) {
      return DropReason.BAD_VERSION;
    }
    if (type(b, at) == null) {
      return DropReason.BAD_TYPE;
    }
    if ((flags(b, at) & ~PacketFlags.KNOWN) != 0
        || b.get(at + RESERVED8_OFFSET) != 0
        || b.getShort(at + RESERVED16_OFFSET) != 0) {
      return DropReason.BAD_HEADER;
    }
    if (packetLength(b, at) != packetLength) {
      return DropReason.BAD_LENGTH;
    }
    long length = Integer.toUnsignedLong(length(b, at));
    long total = Integer.toUnsignedLong(total(b, at));
    if (Integer.toUnsignedLong(offset(b, at)) + length > total) {
      return DropReason.BAD_FRAGMENT;
    }
    if (total > maxMessageBytes) {
      return DropReason.TOO_LARGE;
    }
    if (hopCount(b, at) > maxHops(b, at)) {
      return DropReason.HOP_LIMIT;
    }
    return null;
  }
}
