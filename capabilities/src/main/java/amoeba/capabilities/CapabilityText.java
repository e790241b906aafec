package amoeba.capabilities;

import amoeba.capabilities.CapabilityFormatException.Reason;

/**
 * The text form of a capability: {@code cap:} and the 16 bytes as 32 lowercase hex digits,
 * e.g. {@code cap:0123456789ab00000aff3c1d5e7f9a0b}.
 *
 * <p>Hex rather than base32 (which would be 26 characters) because the digits line up with the
 * byte diagram of {@link Capability}: characters 4-15 are the put-port as {@link Port} prints
 * it, 16-21 the object, 22-23 the rights, 24-35 the check, so people can read a capability off
 * a screen. Only lowercase digits are accepted: one text per capability, so texts compare
 * exactly as capabilities do and round trips are exact both ways.
 */
public final class CapabilityText {
  public static final String PREFIX = "cap:";
  /** Characters after the prefix: two hex digits per byte. */
  public static final int DIGITS = 2 * Capability.SIZE;
  public static final int LENGTH = PREFIX.length() + DIGITS;

  private CapabilityText() {}

  public static String format(Capability cap) {
    StringBuilder s = new StringBuilder(LENGTH).append(PREFIX);
    Hex.append(s, cap.port().value(), 12);
    Hex.append(s, cap.object(), 6);
    Hex.append(s, cap.rights(), 2);
    Hex.append(s, cap.check(), 12);
    return s.toString();
  }

  /**
   * Parses the text form.
   *
   * @throws CapabilityFormatException naming the wrong prefix, the wrong length, or the first
   *     bad character and its position in {@code text}
   */
  public static Capability parse(String text) {
    if (!text.startsWith(PREFIX)) {
      String start = text.substring(0, Math.min(text.length(), PREFIX.length()));
      throw new CapabilityFormatException(
          Reason.PREFIX,
          "a capability starts with '" + PREFIX + "', this starts with '" + printable(start) + "'");
    }
    int digits = text.length() - PREFIX.length();
    if (digits != DIGITS) {
      throw new CapabilityFormatException(
          Reason.LENGTH,
          "a capability is '" + PREFIX + "' and " + DIGITS + " hex digits, got " + digits
              + " characters after the prefix");
    }
    int at = PREFIX.length();
    long port = Hex.parse(text, at, 12, "the capability");
    int object = (int) Hex.parse(text, at + 12, 6, "the capability");
    int rights = (int) Hex.parse(text, at + 18, 2, "the capability");
    long check = Hex.parse(text, at + 20, 12, "the capability");
    return new Capability(new Port(port), object, rights, check);
  }

  /** Several capabilities (the replicas of one object), comma-separated: {@code cap:..,cap:..}. */
  public static String formatList(java.util.List<Capability> caps) {
    StringBuilder s = new StringBuilder();
    for (Capability c : caps) {
      s.append(s.length() == 0 ? "" : ",").append(format(c));
    }
    return s.toString();
  }

  /**
   * Parses {@link #formatList}'s form (spaces around the commas allowed).
   *
   * @throws CapabilityFormatException for the first text that is not a capability
   */
  public static java.util.List<Capability> parseList(String text) {
    java.util.List<Capability> caps = new java.util.ArrayList<>();
    for (String one : text.split(",", -1)) {
      caps.add(parse(one.strip()));
    }
    return caps;
  }

  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : Hex.quote(c));
    }
    return out.toString();
  }
}
