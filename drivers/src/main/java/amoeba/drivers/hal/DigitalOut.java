package amoeba.drivers.hal;

/** A GPIO output. */
public interface DigitalOut extends AutoCloseable {
  void write(boolean high);

  /** The level last written. */
  boolean isHigh();

  @Override
  void close();
}
