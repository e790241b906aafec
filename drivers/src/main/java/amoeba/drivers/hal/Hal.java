package amoeba.drivers.hal;

/**
 * The hardware a device server drives: one small interface per device kind. Two
 * implementations: {@code amoeba.drivers.pi4j.Pi4jHal} (a Pi4J context: gpiod on a Pi, mock
 * providers in tests) and {@code amoeba.drivers.sim.SimulatedHal} (Pi4J mock plus emulated
 * peripherals). Pins are BCM numbers. Every method may throw {@link HalException}.
 */
public interface Hal extends AutoCloseable {
  /** "pi4j gpiod+linuxfs", "simulated", ... (for LIST and logs). */
  String name();

  /** An output on BCM {@code pin}, driven to {@code initialHigh} at once. */
  DigitalOut digitalOut(int pin, boolean initialHigh);

  /**
   * An input on BCM {@code pin}.
   *
   * @param debounceMicros edges closer than this to the previous one are ignored (0: none)
   */
  DigitalIn digitalIn(int pin, Pull pull, long debounceMicros);

  /** A PWM output: {@code channel} of the board's PWM chip, on BCM {@code pin}. */
  PwmOut pwm(int pin, int channel);

  /** The device at 7-bit {@code address} on I2C bus {@code bus} (/dev/i2c-BUS). */
  I2cDevice i2c(int bus, int address);

  /** SPI bus {@code bus}, chip select {@code chipSelect} (/dev/spidevBUS.CS). */
  SpiDevice spi(int bus, int chipSelect, int mode, int speedHz);

  /** Releases every device (outputs keep their last level unless driven before). */
  @Override
  void close();
}
