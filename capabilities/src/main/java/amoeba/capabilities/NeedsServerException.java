package amoeba.capabilities;

/**
 * The operation cannot be done locally: only the server, which knows the object's secret, can
 * do it, with {@link #command()}. Restricting a non-owner capability is the case today: its
 * check is a MAC under a secret its holder does not have.
 */
public final class NeedsServerException extends CapabilityException {
  private static final long serialVersionUID = 1L;

  private final StdCommand command;

  public NeedsServerException(StdCommand command, String message) {
    super(ErrorCode.DENIED, message);
    this.command = command;
  }

  /** The request to send the object's server instead. */
  public StdCommand command() {
    return command;
  }
}
