package amoeba.flip.security;

import amoeba.flip.wire.FlipHeader;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Authenticates FLIP packets with the pool key: tag = the first 16 bytes of HMAC-SHA256 over
 * header + payload, with the hop-count byte (offset 3) taken as zero because routers change it.
 *
 * <p>Standard HMAC (RFC 2104), computed over {@link MessageDigest} rather than {@code
 * javax.crypto.Mac} because {@code Mac.doFinal} allocates its result on every call: here the key
 * schedule (the ipad/opad key blocks) is computed once in the constructor, and each thread keeps
 * its own digest, 32-byte output and copy buffer, so signing and verifying allocate nothing after
 * a thread's first packet. Heap buffers are hashed in place; direct and read-only buffers are
 * copied through a per-thread 2 KiB chunk. Thread-safe: share one instance across threads.
 */
public final class PacketAuthenticator {
  private static final int BLOCK = 64; // SHA-256 block size, bytes
  private static final int CHUNK = 2048; // per-thread copy buffer for direct buffers, bytes
  private static final byte[] ZERO = {0};

  private final byte[] innerPad = new byte[BLOCK]; // K xor 0x36..
  private final byte[] outerPad = new byte[BLOCK]; // K xor 0x5c..
  private final ThreadLocal<State> state = ThreadLocal.withInitial(State::new);

  private static final class State {
    final MessageDigest sha = sha256();
    final byte[] digest = new byte[32];
    final byte[] chunk = new byte[CHUNK];
  }

  /** {@code poolKey}: at least 16 bytes of secret; copied. */
  public PacketAuthenticator(byte[] poolKey) {
    if (poolKey == null || poolKey.length < 16) {
      throw new IllegalArgumentException("pool key must have at least 16 bytes");
    }
    byte[] key = poolKey.length > BLOCK ? sha256().digest(poolKey) : poolKey.clone();
    for (int i = 0; i < BLOCK; i++) {
      byte k = i < key.length ? key[i] : 0;
      innerPad[i] = (byte) (k ^ 0x36);
      outerPad[i] = (byte) (k ^ 0x5c);
    }
    Arrays.fill(key, (byte) 0);
  }

  /**
   * Writes the 16-byte tag after the {@code lengthWithoutTag} bytes of header + payload at
   * {@code at} and returns the new packet length. The caller sets AUTHENTICATED (and every other
   * field) first: the flags are covered by the tag. Position and limit are unchanged.
   *
   * @throws IndexOutOfBoundsException if the tag does not fit below the buffer's limit
   */
  public int sign(ByteBuffer packet, int at, int lengthWithoutTag) {
    if (lengthWithoutTag < FlipHeader.LENGTH
        || at < 0
        || lengthWithoutTag > packet.limit() - at - FlipHeader.TAG_LENGTH) {
      throw new IndexOutOfBoundsException(
          "no room to sign " + lengthWithoutTag + " bytes at " + at + " in " + packet);
    }
    byte[] mac = compute(packet, at, lengthWithoutTag);
    packet.put(at + lengthWithoutTag, mac, 0, FlipHeader.TAG_LENGTH);
    return lengthWithoutTag + FlipHeader.TAG_LENGTH;
  }

  /**
   * Whether the last 16 of the {@code packetLength} bytes at {@code at} are the tag of the bytes
   * before them. Constant-time comparison. Never throws for bad lengths (answers false).
   */
  public boolean verify(ByteBuffer packet, int at, int packetLength) {
    if (packetLength < FlipHeader.LENGTH + FlipHeader.TAG_LENGTH
        || at < 0
        || packetLength > packet.limit() - at) {
      return false;
    }
    int signed = packetLength - FlipHeader.TAG_LENGTH;
    byte[] mac = compute(packet, at, signed);
    int diff = 0;
    for (int i = 0; i < FlipHeader.TAG_LENGTH; i++) {
      diff |= mac[i] ^ packet.get(at + signed + i);
    }
    return diff == 0;
  }

  /** HMAC over [at, at+length) with the hop-count byte as 0; the result is per-thread. */
  private byte[] compute(ByteBuffer b, int at, int length) {
    State s = state.get();
    MessageDigest sha = s.sha;
    sha.update(innerPad);
    int hop = at + FlipHeader.HOP_COUNT_OFFSET;
    update(s, b, at, hop - at);
    sha.update(ZERO);
    update(s, b, hop + 1, at + length - hop - 1);
    digestInto(s);
    sha.update(outerPad);
    sha.update(s.digest);
    digestInto(s);
    return s.digest;
  }

  private static void update(State s, ByteBuffer b, int from, int length) {
    if (b.hasArray()) {
      s.sha.update(b.array(), b.arrayOffset() + from, length);
      return;
    }
    for (int done = 0; done < length; ) {
      int n = Math.min(CHUNK, length - done);
      b.get(from + done, s.chunk, 0, n); // absolute bulk get: position untouched
      s.sha.update(s.chunk, 0, n);
      done += n;
    }
  }

  private static void digestInto(State s) {
    try {
      s.sha.digest(s.digest, 0, s.digest.length); // also resets the digest
    } catch (java.security.DigestException e) {
      throw new IllegalStateException("32 bytes always hold a SHA-256 digest", e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
