package amoeba.tools.flash;

/** Flashing a board failed for a reason the user should read (one line, saying what to do). */
public final class FlashException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public FlashException(String message) {
    super(message);
  }

  public FlashException(String message, Throwable cause) {
    super(message, cause);
  }
}
