package amoeba.ipc.rpc;

import java.nio.ByteBuffer;

/**
 * Amoeba's 32-byte message header, after the {@link RpcHeader}. Big-endian, absolute gets and
 * puts. In a request the port and private part are the capability the request is about; in a
 * reply the server may return a capability there (STD_RESTRICT, STD_REVOKE).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                     port (put-port, 48 bits)                  |  0
 * +-------------------------------+-------------------------------+
 * |                               |                               |  4
 * +-------------------------------+                               +
 * |               signature (48 bits, reserved)                   |  8
 * +-----------------------------------------------+---------------+
 * |             object (24 bits)                  |    rights     |  12
 * +-----------------------------------------------+---------------+
 * |                    check (48 bits)                            |  16
 * +-------------------------------+-------------------------------+
 * |                               |   command / status (signed)   |  20
 * +-------------------------------+-------------------------------+
 * |                           offset                              |  24
 * +-------------------------------+-------------------------------+
 * |             size              |             extra             |  28
 * +-------------------------------+-------------------------------+
 * </pre>
 *
 * <p>command/status is a signed 16-bit number: a command (1000..2999) in a request, a status
 * (0 or an {@code ErrorCode} number) in a reply. offset (32 bits), size and extra (16 bits,
 * unsigned) are parameters whose meaning the command defines; the data length is the message's
 * length minus {@link RpcHeader#HEADERS}, not {@code size}.
 */
public final class AmoebaHeader {
  public static final int PORT_OFFSET = 0;
  public static final int SIGNATURE_OFFSET = 6;
  public static final int OBJECT_OFFSET = 12;
  public static final int RIGHTS_OFFSET = 15;
  public static final int CHECK_OFFSET = 16;
  public static final int COMMAND_OFFSET = 22;
  public static final int OFFSET_OFFSET = 24;
  public static final int SIZE_OFFSET = 28;
  public static final int EXTRA_OFFSET = 30;
  public static final int LENGTH = 32;

  private AmoebaHeader() {}

  public static long port(ByteBuffer b, int at) {
    return Bytes.getBits(b, at + PORT_OFFSET, 6);
  }

  public static long signature(ByteBuffer b, int at) {
    return Bytes.getBits(b, at + SIGNATURE_OFFSET, 6);
  }

  public static int object(ByteBuffer b, int at) {
    return (int) Bytes.getBits(b, at + OBJECT_OFFSET, 3);
  }

  public static int rights(ByteBuffer b, int at) {
    return b.get(at + RIGHTS_OFFSET) & 0xFF;
  }

  public static long check(ByteBuffer b, int at) {
    return Bytes.getBits(b, at + CHECK_OFFSET, 6);
  }

  /** Command or status, sign-extended. */
  public static int command(ByteBuffer b, int at) {
    return (short) Bytes.getBits(b, at + COMMAND_OFFSET, 2);
  }

  public static void command(ByteBuffer b, int at, int command) {
    Bytes.putBits(b, at + COMMAND_OFFSET, command, 2);
  }

  public static int offset(ByteBuffer b, int at) {
    return Bytes.getInt(b, at + OFFSET_OFFSET);
  }

  public static int size(ByteBuffer b, int at) {
    return (int) Bytes.getBits(b, at + SIZE_OFFSET, 2);
  }

  public static int extra(ByteBuffer b, int at) {
    return (int) Bytes.getBits(b, at + EXTRA_OFFSET, 2);
  }

  /** Writes every field; values are truncated to their widths (callers validate ranges). */
  public static void write(
      ByteBuffer b, int at, long port, long signature, int object, int rights, long check,
      int command, int offset, int size, int extra) {
    Bytes.putBits(b, at + PORT_OFFSET, port, 6);
    Bytes.putBits(b, at + SIGNATURE_OFFSET, signature, 6);
    Bytes.putBits(b, at + OBJECT_OFFSET, object, 3);
    b.put(at + RIGHTS_OFFSET, (byte) rights);
    Bytes.putBits(b, at + CHECK_OFFSET, check, 6);
    Bytes.putBits(b, at + COMMAND_OFFSET, command, 2);
    Bytes.putBits(b, at + OFFSET_OFFSET, offset, 4);
    Bytes.putBits(b, at + SIZE_OFFSET, size, 2);
    Bytes.putBits(b, at + EXTRA_OFFSET, extra, 2);
  }
}
