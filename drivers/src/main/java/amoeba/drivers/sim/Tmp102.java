package amoeba.drivers.sim;

import amoeba.drivers.hal.HalException;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * An emulated temperature/humidity sensor at the TMP102's usual address (0x48): the TMP102's
 * registers plus a humidity register the real part lacks. Values drift plausibly: every second
 * of the injected clock the temperature takes a random step of at most +-0.05 C (kept within
 * 15..35 C) and the humidity one of at most +-0.2 %RH (kept within 20..80 %RH).
 *
 * <pre>
 * register  size  access  content (big-endian, as the TMP102 sends it)
 * 0x00      2     read    temperature: 12-bit two's complement, left-justified, 0.0625 C/LSB
 * 0x01      2     r/w     configuration (stored only; reset 0x60A0)
 * 0x02      2     r/w     T_LOW  (stored only; reset 75 C = 0x4B00)
 * 0x03      2     r/w     T_HIGH (stored only; reset 80 C = 0x5000)
 * 0x10      2     read    humidity (ours): unsigned, 0.01 %RH/LSB
 * </pre>
 *
 * A read past the end of a register continues with the next (as a pointer auto-increment would);
 * a register outside the map is an error (the real part would NACK).
 */
public final class Tmp102 implements I2cPeripheral {
  public static final int ADDRESS = 0x48;
  public static final int TEMPERATURE = 0x00;
  public static final int CONFIG = 0x01;
  public static final int T_LOW = 0x02;
  public static final int T_HIGH = 0x03;
  public static final int HUMIDITY = 0x10;

  private static final long STEP_NANOS = 1_000_000_000L;

  private final LongSupplier nanoClock;
  private final RandomGenerator random;
  private long lastStepNanos;
  private double celsius;
  private double humidity;
  private int config = 0x60A0;
  private int tLow = 0x4B00;
  private int tHigh = 0x5000;

  public Tmp102(LongSupplier nanoClock, RandomGenerator random, double celsius, double humidity) {
    this.nanoClock = nanoClock;
    this.random = random;
    this.celsius = celsius;
    this.humidity = humidity;
    this.lastStepNanos = nanoClock.getAsLong();
  }

  /** Steps the drift up to now (one step per elapsed second, at most 3600 at a time). */
  private void drift() {
    long now = nanoClock.getAsLong();
    long steps = Math.min(3600, (now - lastStepNanos) / STEP_NANOS);
    for (long i = 0; i < steps; i++) {
      celsius = clamp(celsius + (random.nextDouble() - 0.5) * 0.1, 15, 35);
      humidity = clamp(humidity + (random.nextDouble() - 0.5) * 0.4, 20, 80);
    }
    lastStepNanos += steps * STEP_NANOS;
  }

  private static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  /** Degrees Celsius as the register holds them (0.0625 C resolution). */
  public synchronized double celsius() {
    drift();
    return (short) temperatureRegister() / 16 * 0.0625;
  }

  private int temperatureRegister() {
    int counts = (int) Math.round(celsius / 0.0625);
    return (counts << 4) & 0xFFFF;
  }

  private int register(int r) {
    return switch (r) {
      case TEMPERATURE -> temperatureRegister();
      case CONFIG -> config;
      case T_LOW -> tLow;
      case T_HIGH -> tHigh;
      case HUMIDITY -> (int) Math.round(humidity * 100) & 0xFFFF;
      default -> throw new HalException("tmp102: no register 0x" + Integer.toHexString(r));
    };
  }

  @Override
  public synchronized byte[] read(int register, int n) {
    drift();
    byte[] out = new byte[n];
    int r = register;
    for (int i = 0; i < n; i += 2, r++) {
      int v = register(r);
      out[i] = (byte) (v >> 8);
      if (i + 1 < n) {
        out[i + 1] = (byte) v;
      }
    }
    return out;
  }

  @Override
  public synchronized void write(int register, byte[] data) {
    if (data.length != 2) {
      throw new HalException("tmp102: registers take 2 bytes, got " + data.length);
    }
    int v = ((data[0] & 0xFF) << 8) | (data[1] & 0xFF);
    switch (register) {
      case CONFIG -> config = v;
      case T_LOW -> tLow = v;
      case T_HIGH -> tHigh = v;
      default -> throw new HalException("tmp102: register 0x" + Integer.toHexString(register) + " is read-only or absent");
    }
  }
}
