package amoeba.boards;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One board model as data (read from {@code amoeba/boards/ID.board} and its header file by
 * {@link Boards}): what it is, its 40-pin header, its buses, and how to run a JVM on it.
 *
 * @param match the start of /proc/device-tree/model on such a board ("-" for none)
 * @param ramMb the RAM sizes it is sold with, in MiB
 * @param buses "i2c1", "spi0", ... by name
 * @param pwmChannels BCM pin -> channel of the board's PWM chip
 * @param pwmChip N of /sys/class/pwm/pwmchipN (linuxfs PWM)
 * @param jvmFlags flags beyond the heap size (which {@link #jvmFlags(int)} adds for a RAM size)
 * @param pi4j which Pi4J providers drive what
 */
public record BoardDefinition(String id, String model, String match, String cpu, int cores,
    List<Integer> ramMb, List<HeaderPin> header, Map<String, Bus> buses,
    Map<Integer, Integer> pwmChannels, int pwmChip, List<String> jvmFlags, String pi4j) {

  /** One pin of the header. @param bcm the GPIO number, -1 for power and ground */
  public record HeaderPin(int physical, int bcm, String name, String functions) {}

  /**
   * An I2C or SPI bus and the BCM pins it takes: I2C SDA, SCL; SPI MISO, MOSI, SCLK, then its
   * chip selects CE0, CE1, ...
   */
  public record Bus(String name, String kind, int number, List<Integer> pins) {
    /** SPI: chip selects; I2C: 0. */
    public int chipSelects() {
      return kind.equals("spi") ? pins.size() - 3 : 0;
    }

    /** The pins every device on the bus shares (SPI: all but the chip selects). */
    public List<Integer> sharedPins() {
      return kind.equals("spi") ? pins.subList(0, 3) : pins;
    }
  }

  /** The header pin of BCM {@code bcm}, if the header has it. */
  public Optional<HeaderPin> gpio(int bcm) {
    return header.stream().filter(p -> p.bcm() == bcm && bcm >= 0).findFirst();
  }

  /**
   * Recommended JVM flags for a board with {@code ramMb} MiB: a heap of a quarter of the RAM
   * (the board also runs the OS and child JVMs), at least 64 MiB and at most 2 GiB, then the
   * board's own flags.
   */
  public List<String> jvmFlags(int ramMb) {
    int heap = Math.max(64, Math.min(2048, ramMb / 4));
    List<String> flags = new ArrayList<>();
    flags.add("-Xmx" + heap + "m");
    flags.addAll(jvmFlags);
    return flags;
  }
}
