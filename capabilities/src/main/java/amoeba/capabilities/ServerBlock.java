package amoeba.capabilities;

import java.util.Optional;

/**
 * Blocks of 100 command numbers owned by registered servers: a server's commands are
 * {@code first()..last()}, its own errors their negatives. The first five are Amoeba's
 * registrations; from RUN on they are ours (amoeba-pi), numbered in the free space after them.
 * Never renumber, never reuse.
 */
public enum ServerBlock {
  BULLET(2000, "Bullet file server"),
  DIRECTORY(2100, "directory server (SOAP)"),
  VDISK(2200, "virtual disk server"),
  PROCESS(2300, "process server"),
  TOD(2400, "time of day server"),
  /** Ours: the run server that picks a processor for a program. */
  RUN(2500, "run server (ours)"),
  /** Ours: the boot server that keeps services alive. */
  BOOT(2600, "boot server (ours)"),
  /** Ours: coordination (group membership, locks, leases). */
  COORDINATION(2700, "coordination server (ours)"),
  /** Ours: device servers of the boards (GPIO, I2C, sensors). */
  DEVICES(2800, "device servers (ours)"),
  /** Ours: the system server of each kernel. */
  SYS(2900, "system server (ours)");

  /** Commands per block. */
  public static final int SIZE = 100;

  private static final ServerBlock[] VALUES = values();

  private final int first;
  private final String description;

  ServerBlock(int first, String description) {
    this.first = first;
    this.description = description;
  }

  /** The block's first command number. */
  public int first() {
    return first;
  }

  /** The block's last command number. */
  public int last() {
    return first + SIZE - 1;
  }

  public String description() {
    return description;
  }

  public boolean contains(int command) {
    return command >= first && command <= last();
  }

  /** The block a command number falls in, if any; pass -error for a server's own error. */
  public static Optional<ServerBlock> forCommand(int command) {
    for (ServerBlock b : VALUES) {
      if (b.contains(command)) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }
}
