package amoeba.flip.wire;

/** Bits of the {@code flags} byte of {@link FlipHeader}. Bits not in {@link #KNOWN} must be 0. */
public final class PacketFlags {
  /** A 16-byte tag follows the payload ({@link amoeba.flip.security.PacketAuthenticator}). */
  public static final int AUTHENTICATED = 0x01;
  /** The sender requires a trusted route; without one the packet comes back UNTRUSTED. */
  public static final int SECURITY_REQUIRED = 0x02;
  /** Set on a returned packet whose destination could not be reached. */
  public static final int UNREACHABLE = 0x04;
  /** The packet crossed an untrusted network. */
  public static final int UNSAFE = 0x08;
  /** Every defined bit; the header check rejects others. */
  public static final int KNOWN = AUTHENTICATED | SECURITY_REQUIRED | UNREACHABLE | UNSAFE;

  private PacketFlags() {}

  /** Whether {@code flags} has every bit of {@code flag}. */
  public static boolean has(int flags, int flag) {
    return (flags & flag) == flag;
  }
}
