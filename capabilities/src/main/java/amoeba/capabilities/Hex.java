package amoeba.capabilities;

import amoeba.capabilities.CapabilityFormatException.Reason;

/** Strict lowercase hex for the text forms: one spelling per value, so texts compare like values. */
final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  /** Appends the low {@code digits * 4} bits of {@code value}, most significant digit first. */
  static void append(StringBuilder out, long value, int digits) {
    for (int i = digits - 1; i >= 0; i--) {
      out.append(DIGITS[(int) (value >>> (4 * i)) & 0xF]);
    }
  }

  /**
   * Parses {@code count} lowercase hex digits of {@code text} starting at {@code start}
   * (count <= 16). The caller has checked the length; {@code what} names the field in errors.
   */
  static long parse(String text, int start, int count, String what) {
    return parse(text, start, count, what, false);
  }

  /** As {@link #parse(String, int, int, String)}, accepting A-F too if {@code upperToo}. */
  static long parse(String text, int start, int count, String what, boolean upperToo) {
    long value = 0;
    for (int i = start; i < start + count; i++) {
      char c = text.charAt(i);
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (upperToo && c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        throw new CapabilityFormatException(
            Reason.CHARACTER,
            i,
            "bad character " + quote(c) + " at position " + i + " of " + what
                + (upperToo ? ": expected a hex digit" : ": expected a lowercase hex digit 0-9 or a-f"));
      }
      value = (value << 4) | digit;
    }
    return value;
  }

  /** A character as people can read it in a one-line message, control characters escaped. */
  static String quote(char c) {
    if (c >= 0x20 && c < 0x7F) {
      return "'" + c + "'";
    }
    return String.format("U+%04X", (int) c);
  }
}
