package amoeba.drivers.hal;

/** One chip select of an SPI bus: full-duplex transfers. */
public interface SpiDevice extends AutoCloseable {
  /** Clocks {@code out} out and returns the bytes clocked in meanwhile (same length). */
  byte[] transfer(byte[] out);

  @Override
  void close();
}
