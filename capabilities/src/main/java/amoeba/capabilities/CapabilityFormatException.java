package amoeba.capabilities;

/**
 * Malformed input to one of the decoders of this package: capability bytes, the text form
 * {@code cap:...}, a port or a rights mask. The message names what is wrong; {@link #reason()}
 * and {@link #position()} let callers (the CLI, a server answering BADPARAM) act on it without
 * parsing the message.
 *
 * <p>Unchecked because most callers decode trusted values they made themselves; code that
 * decodes input from the network or a user catches it. No decoder here lets any other runtime
 * exception escape for bad input.
 */
public final class CapabilityFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** What kind of malformation. */
  public enum Reason {
    /** The text does not start with the expected prefix ({@code cap:}, {@code 0x}). */
    PREFIX,
    /** Too few or too many bytes or characters. */
    LENGTH,
    /** A character that is not allowed at its position; {@link #position()} says where. */
    CHARACTER,
    /** A well-formed number outside its range (e.g. an object number >= 2^24). */
    RANGE,
  }

  private final Reason reason;
  private final int position;

  public CapabilityFormatException(Reason reason, String message) {
    this(reason, -1, message);
  }

  public CapabilityFormatException(Reason reason, int position, String message) {
    super(message);
    this.reason = reason;
    this.position = position;
  }

  public Reason reason() {
    return reason;
  }

  /** The 0-based index of the offending character in the input, or -1 if no single one is. */
  public int position() {
    return position;
  }
}
