package amoeba.drivers.hal;

/** One device on an I2C bus. Registers are 8 bits; data is big-endian as the device sends it. */
public interface I2cDevice extends AutoCloseable {
  /** Reads {@code n} bytes starting at {@code register} (a write of the pointer, then a read). */
  byte[] readRegister(int register, int n);

  /** Writes {@code data} starting at {@code register}. */
  void writeRegister(int register, byte[] data);

  /** A plain read of {@code n} bytes (no register pointer). */
  byte[] read(int n);

  /** A plain write. */
  void write(byte[] data);

  @Override
  void close();
}
