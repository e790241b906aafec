package amoeba.capabilities;

import java.util.Optional;

/**
 * Every status a reply or a local call can carry, with its fixed wire number. 0 is success.
 * RPC-level errors (the transport's: no server, lost contact) are -1..-999, the negatives of
 * the reserved numbers. Standard errors, which any server may return, are the negatives of
 * 1000-range numbers. Servers' own errors will be negatives in their command block.
 *
 * <p>Never renumber, never reuse: a number on the wire must mean the same thing to every
 * version. A retired error keeps its number and is marked deprecated.
 */
public enum ErrorCode {
  OK(0, "success"),

  // RPC level: -1..-999.
  NOTFOUND(-1, "no server is listening on the port"),
  FAILURE(-2, "lost contact with the server; the request may or may not have run"),
  ABORTED(-3, "the transaction was aborted"),
  BADADDRESS(-4, "a buffer or its size is invalid"),
  TRYAGAIN(-5, "the kernel is out of resources for now; try again"),
  OVERFLOW(-6, "the message is larger than the transport accepts"),

  // Standard errors: negatives of 1000..1999.
  CAPBAD(-1000, "invalid capability: forged, revoked, or for another server"),
  COMMAND_UNKNOWN(-1001, "the server does not know this command"),
  BADPARAM(-1002, "a parameter is malformed or out of range"),
  NOTNOW(-1003, "the server cannot do this now; try later"),
  NOSPACE(-1004, "no space left (object table or storage full)"),
  DENIED(-1005, "the capability lacks the rights this operation needs"),
  NOMEM(-1006, "the server is out of memory"),
  EXISTS(-1007, "the object already exists"),
  NO_SUCH_OBJECT(-1008, "no such object"),
  SYSERR(-1009, "internal server error"),
  INTERRUPTED(-1010, "the operation was interrupted");

  private static final int MIN_RPC = -999;

  private final int code;
  private final String message;

  ErrorCode(int code, String message) {
    this.code = code;
    this.message = message;
  }

  /** The wire number. */
  public int code() {
    return code;
  }

  /** One short line for people. */
  public String message() {
    return message;
  }

  /** Whether the transport (RPC/FLIP) reported this, rather than the server. */
  public boolean isRpcLevel() {
    return code < 0 && code >= MIN_RPC;
  }

  /** The error with this wire number, or empty for a number we do not know (a newer peer). */
  public static Optional<ErrorCode> fromCode(int code) {
    for (ErrorCode e : VALUES) {
      if (e.code == code) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  private static final ErrorCode[] VALUES = values();

  /** {@code NAME (code): message}, how errors read in logs and CLI output. */
  public String describe() {
    return name() + " (" + code + "): " + message;
  }
}
