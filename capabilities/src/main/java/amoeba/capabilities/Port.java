package amoeba.capabilities;

import amoeba.capabilities.CapabilityFormatException.Reason;
import java.util.random.RandomGenerator;

/**
 * A 48-bit Amoeba port. A server listens on its secret get-port G and publishes the put-port
 * P = F(G) ({@link #putPort()}); capabilities carry P, so holding one never lets anyone listen
 * in the server's place. Invariant: 0 <= value < 2^48; 0 is {@link #NULL}, "no port".
 *
 * <p>Text form: exactly 12 lowercase hex digits, e.g. {@code 0123456789ab}.
 */
public record Port(long value) {
  public static final int BITS = 48;
  public static final int BYTES = 6;
  /** The 12 hex digits of the text form. */
  public static final int TEXT_LENGTH = 12;

  public static final long MASK = (1L << BITS) - 1;
  public static final Port NULL = new Port(0);

  public Port {
    if ((value & ~MASK) != 0) {
      throw new IllegalArgumentException("a port has 48 bits: " + Long.toHexString(value));
    }
  }

  /** A fresh port; never NULL. Production callers pass a SecureRandom: ports are secrets. */
  public static Port random(RandomGenerator random) {
    long v;
    do {
      v = random.nextLong() & MASK;
    } while (v == 0);
    return new Port(v);
  }

  /** F(this): the port clients address when this is a get-port. F(NULL) = NULL. */
  public Port putPort() {
    return new Port(OneWay.apply(value, BITS));
  }

  public boolean isNull() {
    return value == 0;
  }

  /** Parses the 12-hex-digit text form. */
  public static Port parse(String text) {
    if (text.length() != TEXT_LENGTH) {
      throw new CapabilityFormatException(
          Reason.LENGTH,
          "a port is " + TEXT_LENGTH + " hex digits, got " + text.length() + " characters");
    }
    return new Port(Hex.parse(text, 0, TEXT_LENGTH, "the port"));
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(TEXT_LENGTH);
    Hex.append(s, value, TEXT_LENGTH);
    return s.toString();
  }
}
