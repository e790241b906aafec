package amoeba.drivers;

import amoeba.capabilities.Rights;

/**
 * What a device capability's rights bits mean. Generic bits where one fits, a server bit for
 * WATCH:
 *
 * <pre>
 * READ   0x02 (Rights.READ)    read a level, a sensor, I2C; PWM_GET; LIST on the root
 * WRITE  0x04 (Rights.MODIFY)  drive an output, PWM_SET, I2C_WRITE, SPI_TRANSFER
 * WATCH  0x10 (server bit 4)   WATCH edges of an input
 * ADMIN  0x80 (Rights.ADMIN)   RELEASE a claim; on the root: PRESS, SET_ANALOG, REVOKE
 * CREATE 0x01 (Rights.CREATE)  CLAIM, on the root only
 * </pre>
 *
 * So a claim restricted to {@code READ|WATCH} (0x12) lets a program watch a button and read it
 * but never drive anything, and cannot release the claim.
 */
public final class DeviceRights {
  public static final int READ = Rights.READ;
  public static final int WRITE = Rights.MODIFY;
  public static final int WATCH = 0x10;
  public static final int ADMIN = Rights.ADMIN;
  public static final int CLAIM = Rights.CREATE;

  private DeviceRights() {}
}
