package amoeba.capabilities;

import java.security.DigestException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Makes capabilities unforgeable. The server keeps a random 48-bit secret R per object.
 *
 * <ul>
 *   <li>Owner capability (rights 0xFF): check = R.
 *   <li>Restricted capability (rights r != 0xFF): check = the low 48 bits (the last 6 bytes) of
 *       HMAC-SHA256(key = R as 6 big-endian bytes, message = the single byte r). The modern form
 *       of Amoeba's F(R xor r): without R nobody can compute it, and different r give unrelated
 *       checks, so editing the rights byte of a capability breaks it.
 *   <li>Validation recomputes the check for the capability's rights and compares in constant
 *       time; a mismatch is CAPBAD.
 *   <li>The holder of an owner capability holds R and so restricts locally; anyone else must ask
 *       the server (STD_RESTRICT). Restriction only ever clears rights: new = old &amp; mask.
 *   <li>Revocation: a new R; every check made from the old one stops validating.
 * </ul>
 *
 * <p>Cost: an owner validation is one compare; a restricted one is one HMAC (four SHA-256
 * blocks), about 0.5 us on a desktop core. {@link ObjectTable} memoizes the last restricted
 * check per object so a capability presented again costs a compare too.
 *
 * <p>Thread-safe if the RandomGenerator is (SecureRandom is): each thread uses its own digest.
 */
public final class CheckScheme {
  /** The JCA name of the MAC the restricted checks are made with, for baselines and tests. */
  public static final String MAC_ALGORITHM = "HmacSHA256";
  public static final long SECRET_MASK = (1L << 48) - 1;

  /** Domain separation: a bootstrap message (15 bytes) never equals a rights message (1 byte). */
  private static final byte[] BOOTSTRAP_TAG = {'a', 'm', 'o', 'e', 'b', 'a', '-', 'b', 'o', 'o', 't'};

  private final RandomGenerator random;
  // Per instance, not static: no hidden global state. A MessageDigest is not thread-safe and
  // getInstance looks up providers, so each thread keeps one.
  private final ThreadLocal<Hmac> hmacs = ThreadLocal.withInitial(Hmac::new);

  /** @param random where secrets come from; a SecureRandom in production */
  public CheckScheme(RandomGenerator random) {
    this.random = Objects.requireNonNull(random, "random");
    newSha256(); // fail here, not on the first request, if the platform lacks SHA-256
  }

  /** A fresh object secret R: 48 random bits, never 0 (a zeroed check field is never valid). */
  public long newSecret() {
    long r;
    do {
      r = random.nextLong() & SECRET_MASK;
    } while (r == 0);
    return r;
  }

  /** The owner capability of an object: all rights, check = R. */
  public static Capability owner(Port putPort, int object, long secret) {
    return new Capability(putPort, object, Rights.ALL, checkSecret(secret));
  }

  /** The check field a capability with {@code rights} for the object with secret R carries. */
  public long check(long secret, int rights) {
    checkSecret(secret);
    Rights.checkRange(rights);
    if (rights == Rights.ALL) {
      return secret;
    }
    return hmac48(secret, new byte[] {(byte) rights});
  }

  /** Whether {@code cap} was made from R for its rights. Constant-time in the check field. */
  public boolean validate(Capability cap, long secret) {
    return constantTimeEquals(check(secret, cap.rights()), cap.check());
  }

  /**
   * Local restriction by the holder of an owner capability: same object, rights {@code
   * cap.rights() & mask}. No server round trip, since the owner's check is R itself.
   *
   * @throws NeedsServerException if {@code cap} is not an owner capability: its holder does not
   *     know R, so only the server can restrict it (STD_RESTRICT)
   */
  public Capability restrict(Capability cap, int mask) throws NeedsServerException {
    Rights.checkRange(mask);
    if (!cap.isOwner()) {
      throw new NeedsServerException(
          StdCommand.STD_RESTRICT,
          "restricting a non-owner capability needs the server: STD_RESTRICT");
    }
    return derive(cap, cap.rights() & mask, cap.check());
  }

  /**
   * Server-side restriction (STD_RESTRICT), given the object's secret: works for any valid
   * capability. The result never has a right {@code cap} lacks.
   *
   * @throws CapabilityException CAPBAD if {@code cap} does not validate against R
   */
  public Capability restrict(Capability cap, int mask, long secret) throws CapabilityException {
    Rights.checkRange(mask);
    if (!validate(cap, secret)) {
      throw new CapabilityException(ErrorCode.CAPBAD);
    }
    return derive(cap, cap.rights() & mask, secret);
  }

  /**
   * A secret derived from a get-port and an object number, for testing and bootstrap only: the
   * holder of the get-port can remake the owner capability (e.g. of a root directory from boot
   * configuration) without storing it. Low 48 bits of HMAC-SHA256(key = get-port, message =
   * "amoeba-boot" and the 3-byte object number), never 0. Servers draw real secrets with
   * {@link #newSecret()}.
   */
  public long bootstrapSecret(Port getPort, int object) {
    if (object < 0 || object > Capability.MAX_OBJECT) {
      throw new IllegalArgumentException("object number is 24 bits: " + object);
    }
    byte[] message = new byte[BOOTSTRAP_TAG.length + 4];
    System.arraycopy(BOOTSTRAP_TAG, 0, message, 0, BOOTSTRAP_TAG.length);
    for (int round = 0; ; round++) {
      message[BOOTSTRAP_TAG.length] = (byte) (object >>> 16);
      message[BOOTSTRAP_TAG.length + 1] = (byte) (object >>> 8);
      message[BOOTSTRAP_TAG.length + 2] = (byte) object;
      message[BOOTSTRAP_TAG.length + 3] = (byte) round; // re-hash in the 2^-48 case of a 0
      long r = hmac48(getPort.value(), message);
      if (r != 0) {
        return r;
      }
    }
  }

  /**
   * Compares two check fields without an early exit: the time never tells a forger how many
   * leading bits were right. One 64-bit xor and test is branch-free in the compared bits.
   */
  public static boolean constantTimeEquals(long a, long b) {
    return (a ^ b) == 0;
  }

  private Capability derive(Capability cap, int rights, long secret) {
    return new Capability(cap.port(), cap.object(), rights, check(secret, rights));
  }

  private long hmac48(long key48, byte[] message) {
    return hmacs.get().low48(key48, message);
  }

  private static long checkSecret(long secret) {
    if (secret == 0 || (secret & ~SECRET_MASK) != 0) {
      throw new IllegalArgumentException("a secret is 48 bits and not 0");
    }
    return secret;
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /**
   * HMAC-SHA256 (RFC 2104) for a 6-byte key, written out over a thread's MessageDigest so the
   * per-object re-keying costs nothing beyond the hash blocks: javax.crypto.Mac needs a new
   * SecretKeySpec and an init per key, which costs about a quarter more per validation.
   * CheckSchemeTest compares it with javax.crypto.Mac. Reuses its buffers: one per thread.
   */
  private static final class Hmac {
    private static final int BLOCK = 64;
    private final MessageDigest sha = newSha256();
    private final byte[] pad = new byte[BLOCK];
    private final byte[] digest = new byte[32];

    /** The low 48 bits (last 6 bytes, big-endian) of HMAC-SHA256(key, message). */
    long low48(long key48, byte[] message) {
      // Key bytes, then zeros, each xored with ipad (0x36).
      for (int i = 0; i < 6; i++) {
        pad[i] = (byte) ((key48 >>> (40 - 8 * i)) ^ 0x36);
      }
      Arrays.fill(pad, 6, BLOCK, (byte) 0x36);
      sha.update(pad);
      sha.update(message);
      finish();
      for (int i = 0; i < BLOCK; i++) {
        pad[i] ^= 0x36 ^ 0x5c; // ipad to opad
      }
      sha.update(pad);
      sha.update(digest);
      finish();
      long v = 0;
      for (int i = digest.length - 6; i < digest.length; i++) {
        v = (v << 8) | (digest[i] & 0xFF);
      }
      return v;
    }

    private void finish() {
      try {
        sha.digest(digest, 0, digest.length);
      } catch (DigestException e) {
        throw new IllegalStateException("a 32-byte buffer holds a SHA-256 digest", e);
      }
    }
  }

}
