package amoeba.drivers.hal;

/** A GPIO input with its pull resistor and debounce set at open. */
public interface DigitalIn extends AutoCloseable {
  /** An edge: the new level. Called on a HAL thread; must not block. */
  @FunctionalInterface
  interface EdgeListener {
    void edge(boolean high);
  }

  boolean isHigh();

  /** Registers the one listener of this input (replaces an earlier one). */
  void watch(EdgeListener listener);

  @Override
  void close();
}
