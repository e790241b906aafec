package amoeba.capabilities;

import java.util.Optional;

/**
 * The standard commands every server understands (1000..1999), with fixed wire numbers.
 * Never renumber, never reuse.
 */
public enum StdCommand {
  STD_MONITOR(1000, "report the server's counters"),
  STD_AGE(1001, "age every object by one unit; expired ones are collected"),
  STD_COPY(1002, "make a copy of an object, possibly from another server"),
  STD_DESTROY(1003, "destroy the object"),
  STD_INFO(1004, "a short text (<= 256 bytes) describing the object"),
  STD_RESTRICT(1005, "a capability for the same object with fewer rights"),
  STD_STATUS(1006, "the server's status as text"),
  STD_TOUCH(1007, "reset the object's lifetime"),
  STD_GETPARAMS(1008, "read the server's parameters"),
  STD_SETPARAMS(1009, "set the server's parameters"),
  STD_NTOUCH(1010, "reset the lifetime of many objects at once"),
  /** Ours (amoeba-pi): owner only; the server draws a new secret, so older capabilities fail. */
  STD_REVOKE(1011, "draw a new secret for the object: every older capability stops working");

  /** The standard range; numbers outside it belong to server blocks or are reserved. */
  public static final int FIRST = 1000;
  public static final int LAST = 1999;

  private static final StdCommand[] VALUES = values();

  private final int code;
  private final String description;

  StdCommand(int code, String description) {
    this.code = code;
    this.description = description;
  }

  public int code() {
    return code;
  }

  public String description() {
    return description;
  }

  /** The command with this number, or empty if it is none of the standard ones. */
  public static Optional<StdCommand> fromCode(int code) {
    if (code < FIRST || code >= FIRST + VALUES.length) {
      return Optional.empty();
    }
    // Numbers are dense from FIRST and declared in order; the test pins it.
    return Optional.of(VALUES[code - FIRST]);
  }
}
