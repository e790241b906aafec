package amoeba.drivers.pi4j;

import amoeba.drivers.hal.DigitalIn;
import amoeba.drivers.hal.DigitalOut;
import amoeba.drivers.hal.Hal;
import amoeba.drivers.hal.HalException;
import amoeba.drivers.hal.I2cDevice;
import amoeba.drivers.hal.Pull;
import amoeba.drivers.hal.PwmOut;
import amoeba.drivers.hal.SpiDevice;
import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.PullResistance;
import com.pi4j.io.i2c.I2C;
import com.pi4j.io.pwm.Pwm;
import com.pi4j.io.pwm.PwmType;
import com.pi4j.io.spi.Spi;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalInputProvider;
import com.pi4j.plugin.gpiod.provider.gpio.digital.GpioDDigitalOutputProvider;
import com.pi4j.plugin.linuxfs.provider.i2c.LinuxFsI2CProvider;
import com.pi4j.plugin.linuxfs.provider.pwm.LinuxFsPwmProvider;
import com.pi4j.plugin.linuxfs.provider.spi.LinuxFsSpiProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;
import com.pi4j.plugin.mock.provider.i2c.MockI2CProvider;
import com.pi4j.plugin.mock.provider.pwm.MockPwmProvider;
import com.pi4j.plugin.mock.provider.spi.MockSpiProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The HAL over a Pi4J 2.8 context. The context is always built explicitly (Pi4J's auto
 * detection guesses, and its default is changing upstream): {@link #onPi} with the gpiod
 * providers for digital I/O (libgpiod, no root, works on the Pi 5) and linuxfs for I2C, SPI and
 * PWM; {@link #mock} with Pi4J's mock providers, so this very code runs in tests without a Pi.
 *
 * <p>Debounce is applied here in software as well (edges within the window after an accepted
 * edge are dropped, by {@code nanoClock}): the gpiod provider debounces in the kernel, the mock
 * does not, and the device server must see the same behaviour on both.
 */
public final class Pi4jHal implements Hal {
  private final Context context;
  private final String name;
  private final LongSupplier nanoClock;
  /** Pi4J ids in use (ids are unique per context): a second open of a pin is a clear error. */
  private final Map<String, AutoCloseable> open = new ConcurrentHashMap<>();

  public Pi4jHal(Context context, String name, LongSupplier nanoClock) {
    this.context = context;
    this.name = name;
    this.nanoClock = nanoClock;
  }

  /**
   * The real thing: gpiod digital I/O, linuxfs I2C/SPI/PWM on {@code /sys/class/pwm/pwmchipN}.
   * Outputs are driven to their configured safe level by Pi4J's shutdown hook too.
   */
  public static Pi4jHal onPi(int pwmChip) {
    Context context = Pi4J.newContextBuilder()
        .noAutoDetect()
        .add(GpioDDigitalInputProvider.newInstance(), GpioDDigitalOutputProvider.newInstance(),
            LinuxFsI2CProvider.newInstance(), LinuxFsSpiProvider.newInstance(),
            LinuxFsPwmProvider.newInstance(pwmChip))
        .enableShutdownHook()
        .build();
    return new Pi4jHal(context, "pi4j gpiod+linuxfs (pwmchip" + pwmChip + ")", System::nanoTime);
  }

  /** Pi4J's mock providers, nothing auto-detected. */
  public static Context mockContext() {
    return Pi4J.newContextBuilder()
        .noAutoDetect()
        .add(MockDigitalInputProvider.newInstance(), MockDigitalOutputProvider.newInstance(),
            MockPwmProvider.newInstance(), MockI2CProvider.newInstance(), MockSpiProvider.newInstance())
        .disableShutdownHook()
        .build();
  }

  public static Pi4jHal mock(LongSupplier nanoClock) {
    return new Pi4jHal(mockContext(), "pi4j mock", nanoClock);
  }

  @Override
  public String name() {
    return name;
  }

  public Context context() {
    return context;
  }

  private <T extends AutoCloseable> T register(String id, java.util.function.Supplier<T> create) {
    if (open.containsKey(id)) {
      throw new HalException(id + " is open already");
    }
    T io;
    try {
      io = create.get();
    } catch (RuntimeException e) {
      throw new HalException("cannot open " + id + ": " + e.getMessage(), e);
    }
    open.put(id, io);
    return io;
  }

  private void closed(String id) {
    open.remove(id);
    try {
      context.shutdown(id);
    } catch (RuntimeException e) {
      // already shut down with the context
    }
  }

  @Override
  public DigitalOut digitalOut(int pin, boolean initialHigh) {
    String id = "gpio" + pin;
    return register(id, () -> {
      DigitalOutput out = context.create(DigitalOutput.newConfigBuilder(context)
          .id(id).address(pin)
          .initial(level(initialHigh)).shutdown(level(initialHigh)));
      return new DigitalOut() {
        @Override
        public void write(boolean high) {
          try {
            out.state(level(high));
          } catch (RuntimeException e) {
            throw new HalException(id + ": " + e.getMessage(), e);
          }
        }

        @Override
        public boolean isHigh() {
          return out.state() == DigitalState.HIGH;
        }

        @Override
        public void close() {
          closed(id);
        }
      };
    });
  }

  @Override
  public DigitalIn digitalIn(int pin, Pull pull, long debounceMicros) {
    String id = "gpio" + pin;
    return register(id, () -> {
      DigitalInput in = context.create(DigitalInput.newConfigBuilder(context)
          .id(id).address(pin).pull(resistance(pull)).debounce(debounceMicros));
      return new Pi4jInput(id, in, debounceMicros * 1000L);
    });
  }

  /** The Pi4J input of an open pin, for the simulator to drive ({@code MockDigitalInput}). */
  public MockDigitalInput mockInput(int pin) {
    AutoCloseable io = open.get("gpio" + pin);
    if (io instanceof Pi4jInput p && p.in instanceof MockDigitalInput m) {
      return m;
    }
    throw new HalException("gpio" + pin + " is not an open mock input");
  }

  private final class Pi4jInput implements DigitalIn {
    final String id;
    final DigitalInput in;
    final long debounceNanos;
    private volatile DigitalIn.EdgeListener listener;
    private long lastEdgeNanos;
    private boolean anyEdge;
    private boolean lastLevel;

    Pi4jInput(String id, DigitalInput in, long debounceNanos) {
      this.id = id;
      this.in = in;
      this.debounceNanos = debounceNanos;
      this.lastLevel = in.state() == DigitalState.HIGH;
      in.addListener(e -> edge(e.state() == DigitalState.HIGH));
    }

    private void edge(boolean high) {
      DigitalIn.EdgeListener l;
      synchronized (this) {
        long now = nanoClock.getAsLong();
        if (high == lastLevel || (anyEdge && now - lastEdgeNanos < debounceNanos)) {
          return; // no change, or a bounce inside the window
        }
        anyEdge = true;
        lastEdgeNanos = now;
        lastLevel = high;
        l = listener;
      }
      if (l != null) {
        l.edge(high);
      }
    }

    @Override
    public boolean isHigh() {
      return in.state() == DigitalState.HIGH;
    }

    @Override
    public void watch(DigitalIn.EdgeListener l) {
      listener = l;
    }

    @Override
    public void close() {
      listener = null;
      closed(id);
    }
  }

  @Override
  public PwmOut pwm(int pin, int channel) {
    String id = "pwm" + channel;
    return register(id, () -> {
      Pwm pwm = context.create(Pwm.newConfigBuilder(context)
          .id(id).address(channel).pwmType(PwmType.HARDWARE)
          .frequency(1000).dutyCycle(0).initial(0).shutdown(0));
      return new PwmOut() {
        private int frequency = 1000;
        private int duty;

        @Override
        public synchronized void set(int frequencyHz, int dutyCentiPercent) {
          try {
            if (dutyCentiPercent == 0) {
              pwm.off();
            } else {
              pwm.on(dutyCentiPercent / 100.0f, frequencyHz);
            }
          } catch (RuntimeException e) {
            throw new HalException(id + ": " + e.getMessage(), e);
          }
          frequency = frequencyHz;
          duty = dutyCentiPercent;
        }

        @Override
        public synchronized int frequencyHz() {
          return frequency;
        }

        @Override
        public synchronized int dutyCentiPercent() {
          return duty;
        }

        @Override
        public void close() {
          closed(id);
        }
      };
    });
  }

  @Override
  public I2cDevice i2c(int bus, int address) {
    String id = "i2c" + bus + "-0x" + Integer.toHexString(address);
    return register(id, () -> {
      I2C i2c = context.create(I2C.newConfigBuilder(context).id(id).bus(bus).device(address));
      return new I2cDevice() {
        @Override
        public byte[] readRegister(int register, int n) {
          byte[] b = new byte[n];
          check(i2c.readRegister(register, b, 0, n), n, "read of register " + register);
          return b;
        }

        @Override
        public void writeRegister(int register, byte[] data) {
          check(i2c.writeRegister(register, data, 0, data.length), data.length, "write of register " + register);
        }

        @Override
        public byte[] read(int n) {
          byte[] b = new byte[n];
          check(i2c.read(b, 0, n), n, "read");
          return b;
        }

        @Override
        public void write(byte[] data) {
          check(i2c.write(data, 0, data.length), data.length, "write");
        }

        private void check(int done, int wanted, String what) {
          if (done < wanted) {
            throw new HalException(id + ": " + what + " moved " + done + " of " + wanted + " bytes");
          }
        }

        @Override
        public void close() {
          closed(id);
        }
      };
    });
  }

  @Override
  public SpiDevice spi(int bus, int chipSelect, int mode, int speedHz) {
    String id = "spi" + bus + "." + chipSelect;
    return register(id, () -> {
      Spi spi = context.create(Spi.newConfigBuilder(context)
          .id(id).bus(bus).channel(chipSelect).mode(mode).baud(speedHz));
      return new SpiDevice() {
        @Override
        public byte[] transfer(byte[] out) {
          byte[] in = new byte[out.length];
          spi.transfer(out, 0, in, 0, out.length);
          return in;
        }

        @Override
        public void close() {
          closed(id);
        }
      };
    });
  }

  @Override
  public void close() {
    open.clear();
    try {
      context.shutdown();
    } catch (RuntimeException e) {
      throw new HalException("Pi4J shutdown: " + e.getMessage(), e);
    }
  }

  private static DigitalState level(boolean high) {
    return high ? DigitalState.HIGH : DigitalState.LOW;
  }

  private static PullResistance resistance(Pull pull) {
    return switch (pull) {
      case UP -> PullResistance.PULL_UP;
      case DOWN -> PullResistance.PULL_DOWN;
      case OFF -> PullResistance.OFF;
    };
  }
}
