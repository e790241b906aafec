package amoeba.drivers;

import amoeba.drivers.hal.Pull;
import java.util.Objects;

/**
 * One device a board exposes, as its bring-up configuration names it (boards/ resolves pins and
 * buses against the board definition and makes these).
 *
 * @param name the device's name on its board ("led"), unique there
 * @param kind what it is
 * @param pin the BCM pin (OUT, IN, PWM), else -1
 * @param bus the I2C or SPI bus number, else -1
 * @param address the I2C address (TMP102; -1 for a whole bus), the SPI chip select, or the PWM
 *     channel
 * @param pull an input's pull resistor
 * @param debounceMicros an input's debounce window
 * @param safeHigh the level an output is driven to on release and at shutdown
 */
public record DeviceSpec(String name, Kind kind, int pin, int bus, int address, Pull pull,
    long debounceMicros, boolean safeHigh) {
  /** Device kinds, with the word the configuration and LIST use. */
  public enum Kind {
    OUT("out"),
    IN("in"),
    PWM("pwm"),
    /** A whole I2C bus: any address per call. */
    I2C("i2c"),
    /** A TMP102-like temperature/humidity sensor on I2C. */
    TMP102("tmp102"),
    /** An MCP3008-like 8-channel ADC on SPI. */
    MCP3008("mcp3008"),
    /** A raw SPI chip select. */
    SPI("spi");

    private final String word;

    Kind(String word) {
      this.word = word;
    }

    public String word() {
      return word;
    }
  }

  public DeviceSpec {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[A-Za-z0-9._-]{1,32}")) {
      throw new IllegalArgumentException("a device name is 1..32 of [A-Za-z0-9._-]: " + name);
    }
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(pull, "pull");
  }

  public static DeviceSpec out(String name, int pin, boolean safeHigh) {
    return new DeviceSpec(name, Kind.OUT, pin, -1, -1, Pull.OFF, 0, safeHigh);
  }

  public static DeviceSpec in(String name, int pin, Pull pull, long debounceMicros) {
    return new DeviceSpec(name, Kind.IN, pin, -1, -1, pull, debounceMicros, false);
  }

  public static DeviceSpec pwm(String name, int pin, int channel) {
    return new DeviceSpec(name, Kind.PWM, pin, -1, channel, Pull.OFF, 0, false);
  }

  public static DeviceSpec i2cBus(String name, int bus) {
    return new DeviceSpec(name, Kind.I2C, -1, bus, -1, Pull.OFF, 0, false);
  }

  public static DeviceSpec tmp102(String name, int bus, int address) {
    return new DeviceSpec(name, Kind.TMP102, -1, bus, address, Pull.OFF, 0, false);
  }

  public static DeviceSpec mcp3008(String name, int bus, int chipSelect) {
    return new DeviceSpec(name, Kind.MCP3008, -1, bus, chipSelect, Pull.OFF, 0, false);
  }

  public static DeviceSpec spi(String name, int bus, int chipSelect) {
    return new DeviceSpec(name, Kind.SPI, -1, bus, chipSelect, Pull.OFF, 0, false);
  }

  /** Where it is: "gpio17", "pwm0 gpio18", "i2c1", "i2c1 0x48", "spi0.0". */
  public String where() {
    return switch (kind) {
      case OUT, IN -> "gpio" + pin;
      case PWM -> "pwm" + address + " gpio" + pin;
      case I2C -> "i2c" + bus;
      case TMP102 -> "i2c" + bus + " 0x" + Integer.toHexString(address);
      case MCP3008, SPI -> "spi" + bus + "." + address;
    };
  }
}
