package amoeba.capabilities;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Amoeba's one-way function F: easy to compute, infeasible to invert. The kernel derives a
 * server's put-port from its get-port with it, and FLIP a public address from a private one, so
 * knowing a public value never lets anyone register as its owner.
 *
 * <p>F(x) = the low {@code bits} of SHA-256 over a domain tag and the 8 big-endian bytes of x.
 * Invariants: F(0) = 0 (the null port stays null); F(x) != 0 for x != 0 (a zero hash is
 * re-hashed); the result fits in {@code bits}.
 */
public final class OneWay {
  private static final byte[] DOMAIN = {'a', 'm', 'o', 'e', 'b', 'a', '-', 'F'};
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java platform has SHA-256", e);
            }
          });

  private OneWay() {}

  /** F over a value of at most {@code bits} bits (1..64), giving a value of {@code bits} bits. */
  public static long apply(long value, int bits) {
    if (bits < 1 || bits > 64) {
      throw new IllegalArgumentException("bits must be 1..64, was " + bits);
    }
    if (value == 0) {
      return 0;
    }
    long mask = bits == 64 ? -1L : (1L << bits) - 1;
    MessageDigest sha = SHA256.get();
    long x = value;
    for (int round = 0; ; round++) {
      sha.update(DOMAIN);
      sha.update((byte) round);
      for (int i = 7; i >= 0; i--) {
        sha.update((byte) (x >>> (8 * i)));
      }
      byte[] digest = sha.digest();
      long h = 0;
      for (int i = 0; i < 8; i++) {
        h = (h << 8) | (digest[i] & 0xFF);
      }
      h &= mask;
      if (h != 0) {
        return h;
      }
    }
  }
}
