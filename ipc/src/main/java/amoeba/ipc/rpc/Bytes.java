package amoeba.ipc.rpc;

import java.nio.ByteBuffer;

/** Big-endian absolute gets and puts whatever the buffer's order; widths in bytes. */
final class Bytes {
  private Bytes() {}

  static long getBits(ByteBuffer b, int at, int bytes) {
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      v = (v << 8) | (b.get(at + i) & 0xFF);
    }
    return v;
  }

  static void putBits(ByteBuffer b, int at, long value, int bytes) {
    for (int i = 0; i < bytes; i++) {
      b.put(at + i, (byte) (value >>> (8 * (bytes - 1 - i))));
    }
  }

  static int getInt(ByteBuffer b, int at) {
    return (int) getBits(b, at, 4);
  }

  static long getLong(ByteBuffer b, int at) {
    return getBits(b, at, 8);
  }

  static void putLong(ByteBuffer b, int at, long v) {
    putBits(b, at, v, 8);
  }
}
