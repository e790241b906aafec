package amoeba.capabilities;

import amoeba.capabilities.CapabilityFormatException.Reason;

/**
 * The 8-bit rights field of a capability, kept as an {@code int} 0..255 so the hot path never
 * boxes. Generic bits are the same for every server; servers may give the others meanings.
 *
 * <p>Letters form, for people: 8 characters, position i shows bit i (least significant first),
 * its letter when set and {@code -} when clear. The letters are {@code c r m d} for CREATE, READ,
 * MODIFY, DELETE, the digits {@code 4 5 6} for the server-defined bits 0x10, 0x20, 0x40 (no
 * generic meaning, so they show their bit number), and {@code a} for ADMIN. So 0xFF is
 * {@code crmd456a}, READ alone {@code -r------}, 0x0F {@code crmd----}.
 *
 * <p>Hex form: {@code 0x} and one or two hex digits (either case), e.g. {@code 0x0f}.
 */
public final class Rights {
  public static final int CREATE = 0x01;
  public static final int READ = 0x02;
  public static final int MODIFY = 0x04;
  public static final int DELETE = 0x08;
  /** The Bullet server's administrative right; generic here so every server names it alike. */
  public static final int ADMIN = 0x80;
  /** All rights: a capability with these is the owner capability, whose check is R itself. */
  public static final int ALL = 0xFF;
  public static final int NONE = 0x00;

  private static final String LETTERS = "crmd456a";

  private Rights() {}

  /** Whether {@code rights} holds every bit of {@code required}. */
  public static boolean contains(int rights, int required) {
    return (rights & required) == required;
  }

  public static String toLetters(int rights) {
    checkRange(rights);
    char[] s = new char[8];
    for (int bit = 0; bit < 8; bit++) {
      s[bit] = (rights & (1 << bit)) != 0 ? LETTERS.charAt(bit) : '-';
    }
    return new String(s);
  }

  /** Always {@code 0x} and two lowercase digits, e.g. {@code 0x0f}. */
  public static String toHex(int rights) {
    checkRange(rights);
    StringBuilder s = new StringBuilder("0x");
    Hex.append(s, rights, 2);
    return s.toString();
  }

  /** Parses the hex form ({@code 0x0f}, {@code 0xF}) or the 8-character letters form. */
  public static int parse(String text) {
    if (text.startsWith("0x") || text.startsWith("0X")) {
      int digits = text.length() - 2;
      if (digits < 1 || digits > 2) {
        throw new CapabilityFormatException(
            Reason.LENGTH, "a hex rights mask is 0x and 1 or 2 hex digits, got '" + text + "'");
      }
      return (int) Hex.parse(text, 2, digits, "the rights mask", true);
    }
    if (text.length() != LETTERS.length()) {
      throw new CapabilityFormatException(
          Reason.LENGTH,
          "a rights mask is 0x and hex digits, or 8 letters like crmd---a; got "
              + text.length() + " characters");
    }
    int rights = 0;
    for (int bit = 0; bit < 8; bit++) {
      char c = text.charAt(bit);
      if (c == LETTERS.charAt(bit)) {
        rights |= 1 << bit;
      } else if (c != '-') {
        throw new CapabilityFormatException(
            Reason.CHARACTER,
            bit,
            "bad character " + Hex.quote(c) + " at position " + bit + " of the rights mask:"
                + " expected '" + LETTERS.charAt(bit) + "' or '-'");
      }
    }
    return rights;
  }

  static void checkRange(int rights) {
    if ((rights & ~ALL) != 0) {
      throw new IllegalArgumentException("rights are 8 bits: " + rights);
    }
  }
}
