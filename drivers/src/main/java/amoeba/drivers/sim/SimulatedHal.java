package amoeba.drivers.sim;

import amoeba.drivers.hal.DigitalIn;
import amoeba.drivers.hal.DigitalOut;
import amoeba.drivers.hal.Hal;
import amoeba.drivers.hal.HalException;
import amoeba.drivers.hal.I2cDevice;
import amoeba.drivers.hal.Pull;
import amoeba.drivers.hal.PwmOut;
import amoeba.drivers.hal.SpiDevice;
import amoeba.drivers.pi4j.Pi4jHal;
import com.pi4j.io.gpio.digital.DigitalState;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * An emulated board's hardware. Digital I/O and PWM go through {@link Pi4jHal} over Pi4J's mock
 * providers (context built explicitly), so the simulated board runs Pi4J's code path; on top of
 * it the emulated peripherals: every output is an LED whose state is visible ({@link #level},
 * logged on change), every input a button ({@link #press}), the I2C buses carry emulated devices
 * ({@link #attach}, e.g. a {@link Tmp102} at 0x48) and SPI chip selects an {@link Mcp3008}
 * unless something else is attached. Pi4J's mock I2C/SPI only echo what was written, so the
 * buses are emulated here instead.
 */
public final class SimulatedHal implements Hal {
  private final Pi4jHal gpio;
  private final Map<Integer, Pull> pulls = new ConcurrentHashMap<>();
  /** Each LED's visible state: the level last driven (kept after close, for who looks). */
  private final Map<Integer, Boolean> leds = new ConcurrentHashMap<>();
  private final Map<String, I2cPeripheral> i2c = new ConcurrentHashMap<>();
  private final Map<String, Mcp3008> spi = new ConcurrentHashMap<>();
  private final LongSupplier nanoClock;
  private final RandomGenerator random;
  private final CountDownLatch closed = new CountDownLatch(1);

  /**
   * @param nanoClock time for debounce and the sensors' drift
   * @param random the sensors' drift
   */
  public SimulatedHal(LongSupplier nanoClock, RandomGenerator random) {
    this.gpio = Pi4jHal.mock(nanoClock);
    this.nanoClock = nanoClock;
    this.random = random;
  }

  @Override
  public String name() {
    return "simulated (pi4j mock + emulated peripherals)";
  }

  /** Puts {@code device} at {@code address} on I2C bus {@code bus}. */
  public void attach(int bus, int address, I2cPeripheral device) {
    i2c.put(bus + "/" + address, device);
  }

  /** A TMP102-like sensor at 22.5 C, 45 %RH on {@code bus} at {@code address}. */
  public Tmp102 attachTmp102(int bus, int address) {
    Tmp102 t = new Tmp102(nanoClock, random, 22.5, 45.0);
    attach(bus, address, t);
    return t;
  }

  /** The MCP3008 at SPI {@code bus}.{@code chipSelect} (made on first use). */
  public Mcp3008 mcp3008(int bus, int chipSelect) {
    return spi.computeIfAbsent(bus + "." + chipSelect, k -> new Mcp3008());
  }

  /** The LED on output {@code pin}: whether it is lit. */
  public boolean level(int pin) {
    Boolean lit = leds.get(pin);
    if (lit == null) {
      throw new HalException("gpio" + pin + " is not an output");
    }
    return lit;
  }

  /**
   * Presses (or lets go of) the button on input {@code pin}: wired to ground behind a pull-up,
   * so pressed reads low; otherwise to 3.3 V, pressed reads high.
   */
  public void press(int pin, boolean pressed) {
    Pull pull = pulls.get(pin);
    if (pull == null) {
      throw new HalException("gpio" + pin + " is not an open input");
    }
    boolean high = pull == Pull.UP ? !pressed : pressed;
    gpio.mockInput(pin).mockState(high ? DigitalState.HIGH : DigitalState.LOW);
  }

  @Override
  public DigitalOut digitalOut(int pin, boolean initialHigh) {
    DigitalOut real = gpio.digitalOut(pin, initialHigh);
    DigitalOut led = new DigitalOut() {
      @Override
      public void write(boolean high) {
        boolean was = real.isHigh();
        real.write(high);
        leds.put(pin, high);
        if (was != high) {
          Logger.debug("LED on gpio{} {}", pin, high ? "on" : "off");
        }
      }

      @Override
      public boolean isHigh() {
        return real.isHigh();
      }

      @Override
      public void close() {
        real.close();
      }
    };
    leds.put(pin, initialHigh);
    return led;
  }

  @Override
  public DigitalIn digitalIn(int pin, Pull pull, long debounceMicros) {
    DigitalIn in = gpio.digitalIn(pin, pull, debounceMicros);
    pulls.put(pin, pull);
    // a button at rest: pulled up reads high, otherwise low
    gpio.mockInput(pin).mockState(pull == Pull.UP ? DigitalState.HIGH : DigitalState.LOW);
    return new DigitalIn() {
      @Override
      public boolean isHigh() {
        return in.isHigh();
      }

      @Override
      public void watch(EdgeListener listener) {
        in.watch(listener);
      }

      @Override
      public void close() {
        pulls.remove(pin);
        in.close();
      }
    };
  }

  @Override
  public PwmOut pwm(int pin, int channel) {
    return gpio.pwm(pin, channel);
  }

  @Override
  public I2cDevice i2c(int bus, int address) {
    String where = "i2c" + bus + " 0x" + Integer.toHexString(address);
    return new I2cDevice() {
      private I2cPeripheral device() {
        I2cPeripheral d = i2c.get(bus + "/" + address);
        if (d == null) {
          throw new HalException("no device answers at " + where);
        }
        return d;
      }

      @Override
      public byte[] readRegister(int register, int n) {
        return device().read(register, n);
      }

      @Override
      public void writeRegister(int register, byte[] data) {
        device().write(register, data);
      }

      @Override
      public byte[] read(int n) {
        return device().read(0, n);
      }

      @Override
      public void write(byte[] data) {
        if (data.length == 0) {
          device();
          return;
        }
        byte[] rest = java.util.Arrays.copyOfRange(data, 1, data.length);
        if (rest.length > 0) {
          device().write(data[0] & 0xFF, rest);
        }
      }

      @Override
      public void close() {}
    };
  }

  @Override
  public SpiDevice spi(int bus, int chipSelect, int mode, int speedHz) {
    return mcp3008(bus, chipSelect);
  }

  @Override
  public void close() {
    gpio.close();
    closed.countDown();
  }

  /** Waits until the HAL was closed (the device server's shutdown). */
  public boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
    return closed.await(timeout, unit);
  }
}
