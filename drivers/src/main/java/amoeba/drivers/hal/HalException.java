package amoeba.drivers.hal;

/** The hardware refused or failed (no device at an address, a busy pin, an I/O error). */
public final class HalException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HalException(String message) {
    super(message);
  }

  public HalException(String message, Throwable cause) {
    super(message, cause);
  }
}
