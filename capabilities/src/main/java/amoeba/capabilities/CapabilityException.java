package amoeba.capabilities;

import java.util.Objects;

/**
 * An operation on a capability was refused; {@link #code()} is what a server puts in its reply
 * (CAPBAD, DENIED, NO_SUCH_OBJECT, NOSPACE, ...). Checked, so a server's request handler cannot
 * forget to turn it into a reply. Carries no stack trace: a refusal is an expected answer, not a
 * bug, and a forger flooding a server should not make it walk stacks.
 */
public class CapabilityException extends Exception {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public CapabilityException(ErrorCode code) {
    this(code, code.message());
  }

  public CapabilityException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }
}
