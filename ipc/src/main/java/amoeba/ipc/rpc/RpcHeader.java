package amoeba.ipc.rpc;

import java.nio.ByteBuffer;

/**
 * The RPC header, the first 16 bytes of every RPC message (the FLIP payload), followed by the
 * 32-byte {@link AmoebaHeader} and then the data. Big-endian, absolute gets and puts only, so a
 * buffer's order, position and limit do not matter.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------+---------------+-------------------------------+
 * |    version    |     type      |             flags             |  0
 * +---------------+---------------+-------------------------------+
 * |                        transaction id                         |  4
 * +---------------------------------------------------------------+
 * |                      server instance id                       |  8
 * |                          (64 bits)                            |
 * +---------------------------------------------------------------+
 * |              Amoeba header (32 bytes), then data               |  16
 * </pre>
 *
 * <ul>
 *   <li>version: {@link #VERSION}; others are dropped (counted).
 *   <li>type: {@link RpcType}'s wire number.
 *   <li>flags: {@link #FLAG_RETRANSMISSION} on a resent REQUEST, {@link #FLAG_OTHER_INSTANCE}
 *       on a NAK; bits 8..15 carry a REQUEST's send number (1 = first send, saturating at
 *       255), which a NAK echoes; other bits are zero and ignored.
 *   <li>transaction id: per client endpoint, increasing (serial-number arithmetic, never 0);
 *       the client endpoint's FLIP address plus this id names one transaction.
 *   <li>server instance id: random per server instance, never 0. Every server message carries
 *       its own; REQUEST and ENQUIRE carry the one the client pinned (learnt by IDENTIFY, which
 *       carries 0).
 * </ul>
 */
public final class RpcHeader {
  public static final int VERSION = 1;

  public static final int VERSION_OFFSET = 0;
  public static final int TYPE_OFFSET = 1;
  public static final int FLAGS_OFFSET = 2;
  public static final int TID_OFFSET = 4;
  public static final int INSTANCE_OFFSET = 8;
  public static final int LENGTH = 16;

  /** Both headers: the smallest valid RPC message, and where the data starts. */
  public static final int HEADERS = LENGTH + AmoebaHeader.LENGTH;

  /** On a REQUEST: not the first send, so an earlier copy may have reached a server. */
  public static final int FLAG_RETRANSMISSION = 0x0001;
  /** On a NAK: the message named an instance other than the answering server's. */
  public static final int FLAG_OTHER_INSTANCE = 0x0002;

  /** Why {@link #check} refused a message. */
  public enum Problem {
    SHORT,
    VERSION,
    TYPE
  }

  private RpcHeader() {}

  /**
   * Checks the message of {@code length} bytes at {@code at}: both headers present, our
   * version, a known type. Never throws for any bytes; returns null when valid.
   */
  public static Problem check(ByteBuffer b, int at, int length) {
    if (at < 0 || length < HEADERS || at > b.limit() - HEADERS || length > b.limit() - at) {
      return Problem.SHORT;
    }
    if ((b.get(at + VERSION_OFFSET) & 0xFF) != VERSION) {
      return Problem.VERSION;
    }
    RpcType t = RpcType.fromCode(b.get(at + TYPE_OFFSET) & 0xFF);
    if (t == null) {
      return Problem.TYPE;
    }
    return null;
  }

  /** Writes the whole RPC header. */
  public static void write(ByteBuffer b, int at, RpcType type, int flags, int tid, long instance) {
    b.put(at + VERSION_OFFSET, (byte) VERSION);
    b.put(at + TYPE_OFFSET, (byte) type.code());
    Bytes.putBits(b, at + FLAGS_OFFSET, flags, 2);
    Bytes.putBits(b, at + TID_OFFSET, tid, 4);
    Bytes.putLong(b, at + INSTANCE_OFFSET, instance);
  }

  // Readers: callers have passed check() first.

  public static RpcType type(ByteBuffer b, int at) {
    return RpcType.fromCode(b.get(at + TYPE_OFFSET) & 0xFF);
  }

  public static void type(ByteBuffer b, int at, RpcType type) {
    b.put(at + TYPE_OFFSET, (byte) type.code());
  }

  public static int flags(ByteBuffer b, int at) {
    return (int) Bytes.getBits(b, at + FLAGS_OFFSET, 2);
  }

  public static void flags(ByteBuffer b, int at, int flags) {
    Bytes.putBits(b, at + FLAGS_OFFSET, flags, 2);
  }

  public static int tid(ByteBuffer b, int at) {
    return Bytes.getInt(b, at + TID_OFFSET);
  }

  public static long instance(ByteBuffer b, int at) {
    return Bytes.getLong(b, at + INSTANCE_OFFSET);
  }

  public static void instance(ByteBuffer b, int at, long instance) {
    Bytes.putLong(b, at + INSTANCE_OFFSET, instance);
  }

  /** Whether transaction id {@code a} is newer than {@code b}, modulo 2^32 (RFC 1982). */
  public static boolean newer(int a, int b) {
    return a - b > 0;
  }
}
