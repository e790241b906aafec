package amoeba.drivers.sim;

/** An emulated device on an emulated I2C bus, seen through its register map. */
public interface I2cPeripheral {
  /** Reads {@code n} bytes from {@code register} on. @throws amoeba.drivers.hal.HalException for a register it lacks */
  byte[] read(int register, int n);

  /** Writes {@code data} from {@code register} on. */
  void write(int register, byte[] data);
}
