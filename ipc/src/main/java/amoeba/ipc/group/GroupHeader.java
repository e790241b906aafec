package amoeba.ipc.group;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flyweight over the group header that follows FLIP's. Static readers and writers at an
 * offset, big-endian on the wire whatever the buffer's {@link ByteBuffer#order()}, never
 * touching position or limit, never allocating.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+-------------------------------+
 *  |   version=1   |     type      |             flags             |  0
 *  +---------------+---------------+-------------------------------+
 *  |                  incarnation (signed, >= 0)                   |  4
 *  +---------------------------------------------------------------+
 *  |             member id of the sender (-1: none yet)            |  8
 *  +---------------------------------------------------------------+
 *  |   aux: ORDERED origin id, VIEW recipient id, VOTE log inc...  | 12
 *  +---------------------------------------------------------------+
 *  |                  seq (64 bits, signed, >= 0)                  | 16
 *  |        DATA, BB_DATA, ACK: the sender's held prefix           |
 *  +---------------------------------------------------------------+
 *  |        msgId: sender's message number; NAK/FETCH: last seq    | 24
 *  |        SYNC: lease stamp; ACK: latest SYNC stamp heard (echo)  |
 *  +---------------------------------------------------------------+
 *  |        accepted: highest seq that may be delivered            | 32
 *  |        DATA, BB_DATA: latest SYNC stamp heard (as an ACK's)   |
 *  +---------------------------------------------------------------+
 *  |  stable: highest seq every member holds (history trim point)  | 40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |  payload ...                                                  | 48
 * </pre>
 *
 * Flags: {@link #FLAG_BB} (ORDERED without its data: it went by BB_DATA), {@link #FLAG_EVENT}
 * (the payload is a membership event), {@link #FLAG_RETRANSMIT}, {@link #FLAG_FORCE}
 * (RESET_REQ asked by the application: vote even with a live sequencer), {@link #FLAG_ALIVE}
 * (REJECT because the sequencer is alive).
 *
 * <p>Lease stamps (msgId of SYNC and ACK): the sequencer's clock minus its term's base, plus 1
 * (so >= 1; 0 in an ACK: no stamp heard yet). A member echoes the latest it heard; see
 * docs/architecture.md, "The lease".
 */
public final class GroupHeader {
  public static final int VERSION = 1;
  public static final int VERSION_OFFSET = 0;
  public static final int TYPE_OFFSET = 1;
  public static final int FLAGS_OFFSET = 2;
  public static final int INCARNATION_OFFSET = 4;
  public static final int MEMBER_OFFSET = 8;
  public static final int AUX_OFFSET = 12;
  public static final int SEQ_OFFSET = 16;
  public static final int MSG_ID_OFFSET = 24;
  public static final int ACCEPTED_OFFSET = 32;
  public static final int STABLE_OFFSET = 40;
  public static final int LENGTH = 48;

  public static final int FLAG_BB = 1;
  public static final int FLAG_EVENT = 2;
  public static final int FLAG_RETRANSMIT = 4;
  public static final int FLAG_FORCE = 8;
  /** REJECT: the rejecting member hears a live sequencer of its incarnation. */
  public static final int FLAG_ALIVE = 16;
  private static final int KNOWN_FLAGS =
      FLAG_BB | FLAG_EVENT | FLAG_RETRANSMIT | FLAG_FORCE | FLAG_ALIVE;

  private GroupHeader() {}

  /** Writes a whole header at {@code at}. */
  public static void write(
      ByteBuffer b, int at, GroupMessageType type, int flags, int incarnation, int member,
      int aux, long seq, long msgId, long accepted, long stable) {
    b.put(at + VERSION_OFFSET, (byte) VERSION);
    b.put(at + TYPE_OFFSET, (byte) type.wire());
    putShort(b, at + FLAGS_OFFSET, flags);
    putInt(b, at + INCARNATION_OFFSET, incarnation);
    putInt(b, at + MEMBER_OFFSET, member);
    putInt(b, at + AUX_OFFSET, aux);
    putLong(b, at + SEQ_OFFSET, seq);
    putLong(b, at + MSG_ID_OFFSET, msgId);
    putLong(b, at + ACCEPTED_OFFSET, accepted);
    putLong(b, at + STABLE_OFFSET, stable);
  }

  /**
   * Checks a header of a packet of {@code length} bytes at {@code at}: null when it may be
   * read, else why not. Never throws, whatever the bytes (the buffer must hold {@code length}
   * bytes from {@code at}; shorter buffers give TOO_SHORT).
   */
  public static GroupDropReason validate(ByteBuffer b, int at, int length) {
    if (at < 0 || length < LENGTH || b.limit() - at < LENGTH) {
      return GroupDropReason.TOO_SHORT;
    }
    if (version(b, at) != VERSION) {
      return GroupDropReason.BAD_VERSION;
    }
    GroupMessageType type = type(b, at);
    if (type == null) {
      return GroupDropReason.BAD_TYPE;
    }
    if ((flags(b, at) & ~KNOWN_FLAGS) != 0
        || incarnation(b, at) < 0
        || member(b, at) < -1
        || seq(b, at) < 0
        || msgId(b, at) < 0
        || accepted(b, at) < 0
        || stable(b, at) < 0) {
      return GroupDropReason.BAD_FIELD;
    }
    boolean body = length > LENGTH;
    switch (type) {
      case DATA, BB_DATA, ORDERED, VIEW, ORDERED_BUNDLE, DATA_BUNDLE -> {
        // bodies allowed (an empty message is a valid message)
      }
      default -> {
        if (body) {
          return GroupDropReason.BAD_FIELD;
        }
      }
    }
    return null;
  }

  public static int version(ByteBuffer b, int at) {
    return b.get(at + VERSION_OFFSET) & 0xFF;
  }

  /** The type, or null for an unknown wire number. */
  public static GroupMessageType type(ByteBuffer b, int at) {
    return GroupMessageType.of(b.get(at + TYPE_OFFSET) & 0xFF);
  }

  public static int flags(ByteBuffer b, int at) {
    return getShort(b, at + FLAGS_OFFSET);
  }

  public static int incarnation(ByteBuffer b, int at) {
    return getInt(b, at + INCARNATION_OFFSET);
  }

  public static int member(ByteBuffer b, int at) {
    return getInt(b, at + MEMBER_OFFSET);
  }

  public static int aux(ByteBuffer b, int at) {
    return getInt(b, at + AUX_OFFSET);
  }

  public static long seq(ByteBuffer b, int at) {
    return getLong(b, at + SEQ_OFFSET);
  }

  public static long msgId(ByteBuffer b, int at) {
    return getLong(b, at + MSG_ID_OFFSET);
  }

  public static long accepted(ByteBuffer b, int at) {
    return getLong(b, at + ACCEPTED_OFFSET);
  }

  public static long stable(ByteBuffer b, int at) {
    return getLong(b, at + STABLE_OFFSET);
  }

  /** Bytes before each record of an ORDERED_BUNDLE or DATA_BUNDLE: its length, 16 bits. */
  public static final int BUNDLE_LENGTH_BYTES = 2;

  /** Receives the records (ORDERED or DATA packets) of a bundle, by offset and length. */
  @FunctionalInterface
  public interface BundleVisitor {
    void record(int at, int length);
  }

  /**
   * Visits each record in the body of the bundle (ORDERED_BUNDLE or DATA_BUNDLE) of {@code
   * length} bytes at {@code at} (its header already validated), in order: each a whole, valid
   * packet of the bundle's record type (ORDERED, DATA) within the bundle. Stops at the first
   * record that is not (a length past the end, too short, invalid, another type: a bundle never
   * nests) and returns false; true if every byte was a record. Never throws.
   */
  public static boolean forEachBundled(ByteBuffer b, int at, int length, BundleVisitor visitor) {
    GroupMessageType bundleType = type(b, at);
    GroupMessageType recordType = bundleType == null ? null : bundleType.bundled();
    if (recordType == null) {
      return false;
    }
    int end = at + length;
    for (int pos = at + LENGTH; pos < end; ) {
      int record = pos + BUNDLE_LENGTH_BYTES;
      int len = record <= end ? getShort(b, pos) : -1;
      if (len < LENGTH || record + len > end || validate(b, record, len) != null
          || type(b, record) != recordType) {
        return false;
      }
      visitor.record(record, len);
      pos = record + len;
    }
    return true;
  }

  /** Writes a bundle record's length at {@code i}. */
  public static void putBundledLength(ByteBuffer b, int i, int length) {
    putShort(b, i, length);
  }

  // --- byte-order-independent primitives (big-endian on the wire) ---

  private static boolean big(ByteBuffer b) {
    return b.order() == ByteOrder.BIG_ENDIAN;
  }

  private static int getShort(ByteBuffer b, int i) {
    short v = b.getShort(i);
    return (big(b) ? v : Short.reverseBytes(v)) & 0xFFFF;
  }

  private static void putShort(ByteBuffer b, int i, int v) {
    short s = (short) v;
    b.putShort(i, big(b) ? s : Short.reverseBytes(s));
  }

  private static int getInt(ByteBuffer b, int i) {
    int v = b.getInt(i);
    return big(b) ? v : Integer.reverseBytes(v);
  }

  private static void putInt(ByteBuffer b, int i, int v) {
    b.putInt(i, big(b) ? v : Integer.reverseBytes(v));
  }

  private static long getLong(ByteBuffer b, int i) {
    long v = b.getLong(i);
    return big(b) ? v : Long.reverseBytes(v);
  }

  private static void putLong(ByteBuffer b, int i, long v) {
    b.putLong(i, big(b) ? v : Long.reverseBytes(v));
  }
}
