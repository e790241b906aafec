package amoeba.drivers;

import amoeba.capabilities.ServerBlock;

/**
 * The device server's commands (DEVICES block 2800..2899), fixed numbers, never reused. "root"
 * is object 0 (the server; its owner capability derives from the pool key, see {@code
 * BoardPorts}), "claim" the capability a CLAIM returned. Rights: {@link DeviceRights}.
 *
 * <pre>
 * LIST        2801 root, READ    reply: u16 n, n x (str name, str kind, str where, str holder,
 *                                str state); holder "" when free
 * CLAIM       2802 root, CREATE  data: str device, str holder (who, for "in use by", <= 128 B),
 *                                u8 hasProcess, [16 B: the claimer's process capability, READ
 *                                is enough: the claim ends when that process ends]
 *                                reply: capability = the claim's owner capability.
 *                                NOTNOW, data "DEVICE in use by HOLDER", if claimed already
 * RELEASE     2803 claim, ADMIN  data: u8 keep (1: leave the device as it is; 0: safe state)
 * GPIO_WRITE  2804 claim, WRITE  data: u8 op (0 low, 1 high, 2 toggle, 3 pulse), u32 pulseMs
 *                                (pulse: high for pulseMs <= 10000, then low); reply: u8 level
 * GPIO_READ   2805 claim, READ   reply: u8 level (inputs: the pin; outputs: as driven)
 * WATCH       2806 claim, WATCH  data: u64 after, u32 waitMs (<= 30000), u16 max (1..256)
 *                                long-poll: returns as soon as an edge after seq 'after' exists,
 *                                else after waitMs. reply: u64 lost (edges dropped from the
 *                                1024-edge ring before the caller asked), u16 n,
 *                                n x (u64 seq, u8 level, u64 atNanos). Seqs start at 1 and rise
 *                                by 1; ask again with after = the last seq: each edge once, in
 *                                order (a retransmitted WATCH returns the same edges again).
 *                                Edges from before the claim are never shown.
 * PWM_SET     2807 claim, WRITE  data: u32 frequencyHz (1..50000000), u16 duty (0.01 %, 0..10000)
 *                                reply: u32 frequencyHz, u16 duty
 * PWM_GET     2808 claim, READ   reply: u32 frequencyHz, u16 duty
 * I2C_READ    2809 claim, READ   data: u8 address (0: the device's own), i16 register
 *                                (-1: a plain read), u16 n (1..256); reply: n bytes
 * I2C_WRITE   2810 claim, WRITE  data: u8 address, i16 register (-1: plain), bytes (1..256)
 * SPI_TRANSFER 2811 claim, WRITE data: bytes (1..4096); reply: as many bytes, clocked in
 * SENSOR_READ 2812 claim, READ   reply: key=value lines, UTF-8 (tmp102: temperature_c,
 *                                humidity_pct; mcp3008: ch0..ch7 raw 0..1023)
 * PRESS       2813 root, ADMIN   data: str device, u8 op (0 let go, 1 press, 2 click = both)
 *                                emulated boards only (the physical world)
 * SET_ANALOG  2814 root, ADMIN   data: str device, u8 channel, u16 value (0..1023); emulated only
 * REVOKE      2815 root, ADMIN   data: str device; ends its claim: the device goes to its safe
 *                                state and every capability of the claim is CAPBAD
 *
 * str: u16 length, UTF-8. Integers big-endian. Errors: the status, and the reason as UTF-8 data.
 * STD_DESTROY on a claim = RELEASE to the safe state; STD_REVOKE on a claim ends it too (the
 * claim is the capability: revoking it frees the device).
 * </pre>
 */
public enum DeviceCommand {
  LIST(1),
  CLAIM(2),
  RELEASE(3),
  GPIO_WRITE(4),
  GPIO_READ(5),
  WATCH(6),
  PWM_SET(7),
  PWM_GET(8),
  I2C_READ(9),
  I2C_WRITE(10),
  SPI_TRANSFER(11),
  SENSOR_READ(12),
  PRESS(13),
  SET_ANALOG(14),
  REVOKE(15);

  private final int code;

  DeviceCommand(int offset) {
    this.code = ServerBlock.DEVICES.first() + offset;
  }

  public int code() {
    return code;
  }

  /** GPIO_WRITE ops. */
  public static final int LOW = 0;
  public static final int HIGH = 1;
  public static final int TOGGLE = 2;
  public static final int PULSE = 3;

  /** PRESS ops. */
  public static final int LET_GO = 0;
  public static final int PRESS_DOWN = 1;
  public static final int CLICK = 2;
}
