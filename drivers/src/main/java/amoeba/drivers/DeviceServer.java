package amoeba.drivers;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import amoeba.drivers.hal.DigitalIn;
import amoeba.drivers.hal.DigitalOut;
import amoeba.drivers.hal.Hal;
import amoeba.drivers.hal.HalException;
import amoeba.drivers.hal.I2cDevice;
import amoeba.drivers.hal.PwmOut;
import amoeba.drivers.hal.SpiDevice;
import amoeba.drivers.sim.SimulatedHal;
import amoeba.drivers.sim.Tmp102;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;
import amoeba.ipc.rpc.Server;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.process.ProcessState;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessCommand;
import amoeba.kernel.server.Wire;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * A board's device server: each device (a pin, a PWM channel, a bus or a device on one) is
 * claimed before use; a claim is an object of this server, and its owner capability is the
 * device's capability. Object 0 is the server itself (owner capability derived from the pool
 * key, like the kernel servers'). Commands and wire format: {@link DeviceCommand}; rights:
 * {@link DeviceRights}.
 *
 * <p>Claims: one holder per device; a second CLAIM gets NOTNOW and "in use by HOLDER". A claim
 * ends by RELEASE (optionally keeping the device's state), STD_DESTROY, STD_REVOKE by its
 * owner, REVOKE on the root (ADMIN), or the end of the process that claimed it: the claimer may
 * hand in its process capability, which a reaper thread asks the process server about every
 * {@code reapIntervalNanos} (STATUS, no wait, so it ties up no server thread there); a
 * finished process, a revoked capability (kill revokes it) or three failed calls in a row (its
 * board is gone) end the claim. Every ending but RELEASE with keep drives the device to its safe
 * state (outputs to their safe level, PWM off). {@link #shutdown} drives every device to its
 * safe state and closes the HAL.
 *
 * <p>Check everything, then act: the framework checks capability and rights; handlers decode and
 * validate the data into values (BADPARAM with the reason) before touching the hardware.
 */
public final class DeviceServer extends Server<DeviceServer.Target> {
  /** The service name of BoardPorts-derived ports: get-port("devices", board). */
  public static final String SERVICE = "devices";
  /** Server threads; at most THREADS - 2 of them may wait in a WATCH long-poll at once. */
  public static final int THREADS = 8;
  static final int MAX_WAIT_MS = 30_000;
  static final int MAX_PULSE_MS = 10_000;
  static final int MAX_I2C = 256;
  static final int MAX_SPI = 4096;
  static final int MAX_HOLDER = 128;
  /** Consecutive failed STATUS calls after which a claimer's board counts as gone. */
  static final int MAX_REAP_FAILURES = 3;

  /** What a capability of this server names. */
  public sealed interface Target permits Root, Claim {}

  /** Object 0. */
  public enum Root implements Target {
    INSTANCE
  }

  /** One claim of one device. */
  public static final class Claim implements Target {
    final Device device;
    final String holder;
    final Capability process;
    final long startSeq;
    volatile Capability owner;
    int reapFailures;

    Claim(Device device, String holder, Capability process, long startSeq) {
      this.device = device;
      this.holder = holder;
      this.process = process;
      this.startSeq = startSeq;
    }

    @Override
    public String toString() {
      return device.spec.name() + " claimed by " + holder;
    }
  }

  /** A device and its open hardware. */
  static final class Device {
    final DeviceSpec spec;
    DigitalOut out;
    DigitalIn in;
    PwmOut pwm;
    I2cDevice i2c; // TMP102: its address; I2C bus: opened per address in busDevices
    final Map<Integer, I2cDevice> busDevices = new ConcurrentHashMap<>();
    SpiDevice spi;
    final EdgeLog edges = new EdgeLog();
    Claim claim; // guarded by the server's claims lock

    Device(DeviceSpec spec) {
      this.spec = spec;
    }
  }

  /** One trans, e.g. a process's {@code ipc()::trans} or an Rpc's. */
  @FunctionalInterface
  public interface Trans {
    RpcMessage trans(RpcMessage request, long timeoutNanos);
  }

  /** A device's state as LIST reports it. */
  public record Status(String name, String kind, String where, String holder, String state) {}

  private final String board;
  private final Hal hal;
  private final Map<String, Device> devices = new LinkedHashMap<>();
  private final Object claims = new Object();
  private final Capability owner;
  private final LongSupplier nanoClock;
  private final Trans trans;
  private final long reapIntervalNanos;
  private final Semaphore watchers = new Semaphore(THREADS - 2);
  private volatile Consumer<String> onRelease = name -> {};
  private volatile Thread reaper;
  private volatile boolean shut;

  /**
   * Opens every device on {@code hal}; a device that cannot be opened fails the whole server
   * (HalException naming it), after closing the HAL.
   *
   * @param trans calls to the claimers' process servers (the reaper)
   */
  public DeviceServer(String board, Port getPort, Hal hal, List<DeviceSpec> specs, RandomGenerator random,
      LongSupplier nanoClock, Trans trans, long reapIntervalNanos) {
    super(getPort.putPort(), new CheckScheme(random));
    this.board = board;
    this.hal = hal;
    this.nanoClock = nanoClock;
    this.trans = trans;
    this.reapIntervalNanos = reapIntervalNanos;
    try {
      this.owner = objects.install(0, Root.INSTANCE, BoardPorts.rootSecret(getPort));
    } catch (CapabilityException e) {
      throw new IllegalStateException(e);
    }
    try {
      for (DeviceSpec s : specs) {
        if (devices.containsKey(s.name())) {
          throw new HalException("device " + s.name() + " is named twice");
        }
        devices.put(s.name(), open(s));
      }
    } catch (RuntimeException e) {
      hal.close();
      throw e;
    }
    command(DeviceCommand.LIST.code(), DeviceRights.READ, this::list);
    command(DeviceCommand.CLAIM.code(), DeviceRights.CLAIM, this::claim);
    command(DeviceCommand.RELEASE.code(), DeviceRights.ADMIN, this::release);
    command(DeviceCommand.GPIO_WRITE.code(), DeviceRights.WRITE, this::gpioWrite);
    command(DeviceCommand.GPIO_READ.code(), DeviceRights.READ, this::gpioRead);
    command(DeviceCommand.WATCH.code(), DeviceRights.WATCH, this::watch);
    command(DeviceCommand.PWM_SET.code(), DeviceRights.WRITE, this::pwmSet);
    command(DeviceCommand.PWM_GET.code(), DeviceRights.READ, this::pwmGet);
    command(DeviceCommand.I2C_READ.code(), DeviceRights.READ, this::i2cRead);
    command(DeviceCommand.I2C_WRITE.code(), DeviceRights.WRITE, this::i2cWrite);
    command(DeviceCommand.SPI_TRANSFER.code(), DeviceRights.WRITE, this::spiTransfer);
    command(DeviceCommand.SENSOR_READ.code(), DeviceRights.READ, this::sensorRead);
    command(DeviceCommand.PRESS.code(), DeviceRights.ADMIN, this::press);
    command(DeviceCommand.SET_ANALOG.code(), DeviceRights.ADMIN, this::setAnalog);
    command(DeviceCommand.REVOKE.code(), DeviceRights.ADMIN, this::revokeByName);
    command(StdCommand.STD_DESTROY.code(), Rights.DELETE, (t, rq, rp) -> endClaim(t, rp, false));
    command(StdCommand.STD_REVOKE.code(), Rights.ALL, (t, rq, rp) -> endClaim(t, rp, false));
  }

  private Device open(DeviceSpec s) {
    Device d = new Device(s);
    try {
      switch (s.kind()) {
        case OUT -> d.out = hal.digitalOut(s.pin(), s.safeHigh());
        case IN -> {
          d.in = hal.digitalIn(s.pin(), s.pull(), s.debounceMicros());
          d.in.watch(high -> d.edges.append(high, nanoClock.getAsLong()));
        }
        case PWM -> d.pwm = hal.pwm(s.pin(), s.address());
        case I2C -> { } // per address, on first use
        case TMP102 -> d.i2c = hal.i2c(s.bus(), s.address());
        case MCP3008, SPI -> d.spi = hal.spi(s.bus(), s.address(), 0, 1_000_000);
      }
    } catch (HalException e) {
      throw new HalException("device " + s.name() + " (" + s.where() + "): " + e.getMessage(), e);
    }
    return d;
  }

  /** The root's owner capability (also derivable from the pool key). */
  public Capability owner() {
    return owner;
  }

  public Hal hal() {
    return hal;
  }

  /** Called with a device's name each time a claim of it ends (tests wait on this). */
  public void onRelease(Consumer<String> listener) {
    onRelease = listener;
  }

  /** Serves {@code server} and starts the reaper. */
  public void start(RpcServer server) {
    serve(server, THREADS);
    Thread t = new Thread(this::reap, "devices-reaper-" + board);
    t.setDaemon(true);
    reaper = t;
    t.start();
  }

  /** Stops serving, drives every device to its safe state and closes the HAL. Idempotent. */
  public void shutdown() {
    synchronized (claims) {
      if (shut) {
        return;
      }
      shut = true;
    }
    Thread t = reaper;
    if (t != null) {
      t.interrupt();
    }
    stop();
    for (Device d : devices.values()) {
      try {
        safe(d);
      } catch (RuntimeException e) {
        Logger.warn("{}: safe state failed: {}", d.spec.name(), e.getMessage());
      }
    }
    hal.close();
    Logger.info("devices of {}: safe state, HAL closed", board);
  }

  /**
   * Runs a device server as the system program "devices" of {@code ctx}'s board until the
   * process is killed (board shutdown), then drives every device to its safe state.
   */
  public static int run(ProcessContext ctx, Hal hal, List<DeviceSpec> specs, long reapIntervalNanos,
      Consumer<DeviceServer> started) throws InterruptedException {
    if (ctx.authority() == null) {
      ctx.stderr().println("devices: only a board's system program may serve its devices");
      hal.close();
      return 2;
    }
    Port get = ctx.authority().getPort(SERVICE, ctx.board());
    DeviceServer server = new DeviceServer(ctx.board(), get, hal, specs, new java.security.SecureRandom(),
        System::nanoTime, ctx.ipc()::trans, reapIntervalNanos);
    try {
      server.start(ctx.ipc().serve(get));
      started.accept(server);
      ctx.stdout().println("devices of " + ctx.board() + " on " + hal.name() + ": "
          + String.join(", ", server.devices.keySet()));
      Object forever = new Object();
      synchronized (forever) {
        while (true) {
          forever.wait(); // until kill interrupts us
        }
      }
    } finally {
      server.shutdown();
    }
  }

  @Override
  protected String info(Target t) {
    return t instanceof Claim c ? c.toString() : "device server of " + board + " (" + hal.name() + ")";
  }

  // ---- claims ---------------------------------------------------------------------------------

  private int claim(Target t, RpcMessage rq, RpcMessage rp) throws CapabilityException {
    String name;
    String holder;
    Capability process = null;
    try {
      Wire.In in = in(rq);
      name = in.str();
      holder = in.str();
      if (in.u8() == 1) {
        process = Capability.fromBytes(in.bytes(Capability.SIZE));
      }
    } catch (Wire.Malformed e) {
      return fail(rp, ErrorCode.BADPARAM, "CLAIM: " + e.getMessage());
    }
    if (holder.length() > MAX_HOLDER) {
      holder = holder.substring(0, MAX_HOLDER);
    }
    Device d = devices.get(name);
    if (d == null) {
      return fail(rp, ErrorCode.NO_SUCH_OBJECT, noDevice(name));
    }
    synchronized (claims) {
      if (shut) {
        return fail(rp, ErrorCode.NOTNOW, "the board is shutting down");
      }
      if (d.claim != null) {
        return fail(rp, ErrorCode.NOTNOW, board + "/" + name + " in use by " + d.claim.holder);
      }
      Claim c = new Claim(d, holder.isEmpty() ? "someone" : holder, process, d.edges.last());
      c.owner = objects.allocate(c);
      d.claim = c;
      rp.capability(c.owner);
    }
    return 0;
  }

  private String noDevice(String name) {
    return board + " has no device " + name + " (it has: " + String.join(", ", devices.keySet()) + ")";
  }

  /** Ends {@code c} if it is still the device's claim; {@code keep}: leave the hardware as is. */
  private boolean end(Claim c, boolean keep, String why) {
    synchronized (claims) {
      if (c.device.claim != c) {
        return false;
      }
      c.device.claim = null;
      try {
        objects.remove(c.owner);
      } catch (CapabilityException e) {
        // removed meanwhile: nothing more to do
      }
    }
    if (!keep && !shut) {
      try {
        safe(c.device);
      } catch (RuntimeException e) {
        Logger.warn("{}: safe state failed: {}", c.device.spec.name(), e.getMessage());
      }
    }
    Logger.info("{}/{} released ({})", board, c.device.spec.name(), why);
    onRelease.accept(c.device.spec.name());
    return true;
  }

  private void safe(Device d) {
    if (d.out != null) {
      d.out.write(d.spec.safeHigh());
    }
    if (d.pwm != null && d.pwm.dutyCentiPercent() != 0) {
      d.pwm.set(d.pwm.frequencyHz(), 0);
    }
  }

  private int release(Target t, RpcMessage rq, RpcMessage rp) {
    if (!(t instanceof Claim c)) {
      return fail(rp, ErrorCode.BADPARAM, "RELEASE takes a device capability");
    }
    boolean keep;
    try {
      keep = in(rq).u8() == 1;
    } catch (Wire.Malformed e) {
      return fail(rp, ErrorCode.BADPARAM, "RELEASE: " + e.getMessage());
    }
    end(c, keep, keep ? "released, state kept" : "released");
    return 0;
  }

  private int endClaim(Target t, RpcMessage rp, boolean keep) {
    if (!(t instanceof Claim c)) {
      return fail(rp, ErrorCode.DENIED, "the device server's capability is derived from the pool key");
    }
    end(c, keep, "revoked by its owner");
    return 0;
  }

  private int revokeByName(Target t, RpcMessage rq, RpcMessage rp) {
    String name;
    try {
      name = in(rq).str();
    } catch (Wire.Malformed e) {
      return fail(rp, ErrorCode.BADPARAM, "REVOKE: " + e.getMessage());
    }
    Device d = devices.get(name);
    if (d == null) {
      return fail(rp, ErrorCode.NO_SUCH_OBJECT, noDevice(name));
    }
    Claim c;
    synchronized (claims) {
      c = d.claim;
    }
    if (c != null) {
      end(c, false, "revoked by an administrator");
    }
    return 0;
  }

  /** The reaper: ends claims whose process has ended. */
  private void reap() {
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(reapIntervalNanos / 1_000_000L, (int) (reapIntervalNanos % 1_000_000L));
      } catch (InterruptedException e) {
        return;
      }
      List<Claim> watched = new ArrayList<>();
      synchronized (claims) {
        for (Device d : devices.values()) {
          if (d.claim != null && d.claim.process != null) {
            watched.add(d.claim);
          }
        }
      }
      for (Claim c : watched) {
        String gone = processGone(c);
        if (gone != null) {
          end(c, false, gone);
        }
      }
    }
  }

  /** Why the claimer's process is gone, or null while it lives (or we cannot tell yet). */
  private String processGone(Claim c) {
    RpcMessage rq = new RpcMessage().capability(c.process).command(ProcessCommand.STATUS.code())
        .data(new Wire.Out().i32(0).i32(0).buffer());
    RpcMessage reply = trans.trans(rq, 2_000_000_000L);
    int status = reply.status();
    if (status == ErrorCode.OK.code()) {
      c.reapFailures = 0;
      try {
        Wire.In in = in(reply);
        int pid = in.i32();
        in.str();
        ProcessState state = ProcessState.fromCode(in.u8()).orElse(ProcessState.EXITED);
        return state.finished() ? "its process " + pid + " ended (" + state + ")" : null;
      } catch (Wire.Malformed e) {
        return null;
      }
    }
    if (status == ErrorCode.CAPBAD.code() || status == ErrorCode.NO_SUCH_OBJECT.code()) {
      return "its process is gone (" + ErrorCode.fromCode(status).orElseThrow().name() + ")";
    }
    if (status == ErrorCode.ABORTED.code()) {
      Thread.currentThread().interrupt();
      return null;
    }
    return ++c.reapFailures >= MAX_REAP_FAILURES ? "its board does not answer" : null;
  }

  // ---- the devices ----------------------------------------------------------------------------

  private int list(Target t, RpcMessage rq, RpcMessage rp) {
    if (!(t instanceof Root)) {
      return fail(rp, ErrorCode.BADPARAM, "LIST takes the device server's capability");
    }
    List<Status> all = statuses();
    Wire.Out out = new Wire.Out().u16(all.size());
    for (Status s : all) {
      out.str(s.name()).str(s.kind()).str(s.where()).str(s.holder()).str(s.state());
    }
    rp.data(out.buffer());
    return 0;
  }

  /** Every device and its state (also for tests and a board's own tools). */
  public List<Status> statuses() {
    List<Status> all = new ArrayList<>();
    for (Device d : devices.values()) {
      String holder;
      synchronized (claims) {
        holder = d.claim == null ? "" : d.claim.holder;
      }
      all.add(new Status(d.spec.name(), d.spec.kind().word(), d.spec.where(), holder, state(d)));
    }
    return all;
  }

  private static String state(Device d) {
    try {
      return switch (d.spec.kind()) {
        case OUT -> d.out.isHigh() ? "on" : "off";
        case IN -> (d.in.isHigh() ? "high" : "low") + ", " + d.edges.last() + " edges";
        case PWM -> d.pwm.dutyCentiPercent() == 0 ? "off"
            : String.format(Locale.ROOT, "%d Hz %.2f %%", d.pwm.frequencyHz(), d.pwm.dutyCentiPercent() / 100.0);
        default -> "";
      };
    } catch (RuntimeException e) {
      return "error: " + e.getMessage();
    }
  }

  /** The claim's device if it is of one of {@code kinds}, else null (the caller fails). */
  private static Device device(Target t, DeviceSpec.Kind... kinds) {
    if (t instanceof Claim c) {
      for (DeviceSpec.Kind k : kinds) {
        if (c.device.spec.kind() == k) {
          return c.device;
        }
      }
    }
    return null;
  }

  private static int wrongKind(RpcMessage rp, Target t, DeviceCommand command) {
    String what = t instanceof Claim c
        ? c.device.spec.name() + " is " + c.device.spec.kind().word()
        : "the server's capability names no device";
    return fail(rp, ErrorCode.BADPARAM, command + " does not apply: " + what);
  }

  private int gpioWrite(Target t, RpcMessage rq, RpcMessage rp) {
    Device d = device(t, DeviceSpec.Kind.OUT);
    if (d == null) {
      return wrongKind(rp, t, DeviceCommand.GPIO_WRITE);
    }
    int op;
    int pulseMs;
    try {
      Wire.In in = in(rq);
      op = in.u8();
      pulseMs = in.i32();
    } catch (Wire.Malformed e) {
      return fail(rp, ErrorCode.BADPARAM, "GPIO_WRITE: " + e.getMessage());
    }
    if (op > DeviceCommand.PULSE || (op == DeviceCommand.PULSE && (pulseMs < 1 || pulseMs > MAX_PULSE_MS))) {
      return fail(rp, ErrorCode.BADPARAM, "GPIO_WRITE: op 0..3, a pulse 1.." + MAX_PULSE_MS + " ms");
    }
    return hardware(rp, () -> {
      synchronized (d) {
        switch (op) {
          case DeviceCommand.LOW -> d.out.write(false);
          case DeviceCommand.HIGH -> d.out.write(true);
          case DeviceCommand.TOGGLE -> d.out.write(!d.out.isHigh());
          default -> {
            d.out.write(true);
            try {
              Thread.sleep(pulseMs);
            } finally {
              d.out.write(false);
            }
          }
        }
        rp.data(new Wire.Out().u8(d.out.isHigh() ? 1 : 0).buffer());
      }
    });
  }

  private int gpioRead(Target t, RpcMessage rq, RpcMessage rp) {
    Device d = device(t, DeviceSpec.Kind.OUT, DeviceSpec.Kind.IN);
    if (d == null) {
      return wrongKind(rp, t, DeviceCommand.GPIO_READ);
    }
    return hardware(rp, () -> {
      boolean high = d.out != null ? d.out.isHigh() : d.in.isHigh();
      rp.data(new Wire.Out().u8(high ? 1 : 0).buffer());
    });
  }

  private int watch(Target t, RpcMessage rq, RpcMessage rp) {
    Device d = device(t, DeviceSpec.Kind.IN);
    if (d == null) {
      return wrongKind(rp, t, DeviceCommand.WATCH);
    }
    long after;
    int waitMs;
    int max;
    try {
      Wire.In in = in(rq);
      after = in.i64();
      waitMs = in.i32();
      max = in.u16();
    } catch (Wire.Malformed e) {
      return fail(rp, ErrorCode.BADPARAM, "WATCH: " + e.getMessage());
    }
    if (after < 0 || waitMs < 0 || waitMs > MAX_WAIT_MS || max < 1 || max > 256) {
      return fail(rp, ErrorCode.BADPARAM, "WATCH: after >= 0, waitMs 0.." + MAX_WAIT_MS + ", max 1..256");
    }
    after = Math.max(after, ((Claim) t).startSeq);
    // A long-poll holds a server thread: beyond the bound, answer at once (no wait).
    boolean mayWait = waitMs > 0 && watchers.tryAcquire();
    EdgeLog.Batch b;
    try {
      b = d.edges.read(after, max, mayWait ? waitMs * 1_000_000L : 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(rp, ErrorCode.INTERRUPTED, "WATCH: the server is stopping");
    } finally {
      if (mayWait) {
        watchers.release();
      }
    }
    Wire.Out out = new Wire.Out().i64(b.lost()).u16(b.edges().size());
    for (EdgeLog.Edge e : b.edges()) {
      out.i64(e.seq()).u8(e.high() ? 1 : 0).i64(e.atNanos());
    }
    rp.data(out.buffer());
    return 0;
  }

  private int pwmSet(Target t, RpcMessage rq, RpcMessage rp) {
    Device d = device(t, DeviceSpec.Kind.PWM);
    if (d == null) {
      return wrongKind(rp, t, DeviceCommand.PWM_SET);
    }
    int frequency;
    int duty;
    try {
      Wire.In in = in(rq);
      frequency = in.i32();
      duty = in.u16();
    } catch (Wire.Malformed e) {
      return fail(rp, ErrorCode.BADPARAM, "PWM_SET: " + e.getMessage());
    }
    if (frequency < 1 || frequency > 50_000_000 || duty > 10_000) {
      return fail(rp, ErrorCode.BADPARAM, "PWM_SET: frequency 1..50000000 Hz, duty 0..10000 (0.01 %)");
    }
    return hardware(rp, () -> {
      d.pwm.set(frequency, duty);
      rp.data(new Wire.Out().i32(d.pwm.frequencyHz()).u16(d.pwm.dutyCentiPercent()).buffer());
    });
  }

  private int pwmGet(Target t, RpcMessage rq, RpcMessage rp) {
    Device d = device(t, DeviceSpec.Kind.PWM);
    if (d == null) {
      return wrongKind(rp, t, DeviceCommand.PWM_GET);
    }
    rp.data(new Wire.Out().i32(d.pwm.frequencyHz()).u16(d.pwm.dutyCentiPercent()).buffer());
    return 0;
  }

  /** The I2C device a claim may reach at {@code address} (0: the claimed device's own). */
  private I2cDevice i2cAt(Device d, int address) {
    if (d.spec.kind() == DeviceSpec.Kind.TMP102) {
      if (address != 0 && address != d.spec.address()) {
        throw new IllegalArgumentException(d.spec.name() + " is the device at 0x"
            + Integer.toHexString(d.spec.address()) + " only");
      }
      return d.i2c;
    }
    if (address < 0x03 || address > 0x77) {
      throw new IllegalArgumentException("7-bit I2C addresses are 0x03..0x77");
    }
    return d.busDevices.computeIfAbsent(address, a -> hal.i2c(d.spec.bus(), a));
  }

  private int i2cRead(Target t, RpcMessage rq, RpcMessage rp) {
    Device d = device(t, DeviceSpec.Kind.I2C, DeviceSpec.Kind.TMP102);
    if (d == null) {
      return wrongKind(rp, t, DeviceCommand.I2C_READ);
    }
    int address;
    int register;
    int n;
    try {
      Wire.In in = in(rq);
      address = in.u8();
      register = (short) in.u16();
      n = in.u16();
    } catch (Wire.Malformed e) {
      return fail(rp, ErrorCode.BADPARAM, "I2C_READ: " + e.getMessage());
    }
    if (n < 1 || n > MAX_I2C || register < -1 || register > 0xFF) {
      return fail(rp, ErrorCode.BADPARAM, "I2C_READ: 1.." + MAX_I2C + " bytes, register -1..255");
    }
    return hardware(rp, () -> {
      I2cDevice dev = i2cAt(d, address);
      rp.data(ByteBuffer.wrap(register < 0 ? dev.read(n) : dev.readRegister(register, n)));
    });
  }

  private int i2cWrite(Target t, RpcMessage rq, RpcMessage rp) {
    Device d = device(t, DeviceSpec.Kind.I2C, DeviceSpec.Kind.TMP102);
    if (d == null) {
      return wrongKind(rp, t, DeviceCommand.I2C_WRITE);
    }
    int address;
    int register;
    byte[] data;
    try {
      Wire.In in = in(rq);
      address = in.u8();
      register = (short) in.u16();
      data = in.rest();
    } catch (Wire.Malformed e) {
      return fail(rp, ErrorCode.BADPARAM, "I2C_WRITE: " + e.getMessage());
    }
    if (data.length < 1 || data.length > MAX_I2C || register < -1 || register > 0xFF) {
      return fail(rp, ErrorCode.BADPARAM, "I2C_WRITE: 1.." + MAX_I2C + " bytes, register -1..255");
    }
    return hardware(rp, () -> {
      I2cDevice dev = i2cAt(d, address);
      if (register < 0) {
        dev.write(data);
      } else {
        dev.writeRegister(register, data);
      }
    });
  }

  private int spiTransfer(Target t, RpcMessage rq, RpcMessage rp) {
    Device d = device(t, DeviceSpec.Kind.SPI, DeviceSpec.Kind.MCP3008);
    if (d == null) {
      return wrongKind(rp, t, DeviceCommand.SPI_TRANSFER);
    }
    byte[] out = bytes(rq);
    if (out.length < 1 || out.length > MAX_SPI) {
      return fail(rp, ErrorCode.BADPARAM, "SPI_TRANSFER: 1.." + MAX_SPI + " bytes");
    }
    return hardware(rp, () -> rp.data(ByteBuffer.wrap(d.spi.transfer(out))));
  }

  private int sensorRead(Target t, RpcMessage rq, RpcMessage rp) {
    Device d = device(t, DeviceSpec.Kind.TMP102, DeviceSpec.Kind.MCP3008);
    if (d == null) {
      return wrongKind(rp, t, DeviceCommand.SENSOR_READ);
    }
    return hardware(rp, () -> {
      Map<String, String> values = new LinkedHashMap<>();
      if (d.spec.kind() == DeviceSpec.Kind.TMP102) {
        byte[] temp = d.i2c.readRegister(Tmp102.TEMPERATURE, 2);
        double celsius = (short) (((temp[0] & 0xFF) << 8) | (temp[1] & 0xFF)) / 16 * 0.0625;
        byte[] hum = d.i2c.readRegister(Tmp102.HUMIDITY, 2);
        double pct = (((hum[0] & 0xFF) << 8) | (hum[1] & 0xFF)) / 100.0;
        values.put("temperature_c", String.format(Locale.ROOT, "%.4f", celsius));
        values.put("humidity_pct", String.format(Locale.ROOT, "%.2f", pct));
      } else {
        for (int ch = 0; ch < 8; ch++) {
          byte[] in = d.spi.transfer(new byte[] {0x01, (byte) (0x80 | (ch << 4)), 0x00});
          values.put("ch" + ch, Integer.toString(((in[1] & 0x03) << 8) | (in[2] & 0xFF)));
        }
      }
      StringBuilder b = new StringBuilder();
      values.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
      rp.data(ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8)));
    });
  }

  private int press(Target t, RpcMessage rq, RpcMessage rp) {
    String name;
    int op;
    try {
      Wire.In in = in(rq);
      name = in.str();
      op = in.u8();
    } catch (Wire.Malformed e) {
      return fail(rp, ErrorCode.BADPARAM, "PRESS: " + e.getMessage());
    }
    Device d = devices.get(name);
    if (d == null) {
      return fail(rp, ErrorCode.NO_SUCH_OBJECT, noDevice(name));
    }
    if (!(hal instanceof SimulatedHal sim)) {
      return fail(rp, ErrorCode.BADPARAM, "PRESS: " + board + " is real hardware; press the button yourself");
    }
    if (d.spec.kind() != DeviceSpec.Kind.IN || op > DeviceCommand.CLICK) {
      return fail(rp, ErrorCode.BADPARAM, "PRESS: takes an input and op 0..2; " + name + " is " + d.spec.kind().word());
    }
    return hardware(rp, () -> {
      synchronized (d) {
        if (op == DeviceCommand.CLICK) {
          sim.press(d.spec.pin(), true);
          // held past the debounce window (as a finger would), else the release is a bounce
          long holdMs = Math.min(1000, d.spec.debounceMicros() / 1000 + (d.spec.debounceMicros() > 0 ? 1 : 0));
          if (holdMs > 0) {
            Thread.sleep(holdMs);
          }
          sim.press(d.spec.pin(), false);
        } else {
          sim.press(d.spec.pin(), op == DeviceCommand.PRESS_DOWN);
        }
      }
    });
  }

  private int setAnalog(Target t, RpcMessage rq, RpcMessage rp) {
    String name;
    int channel;
    int value;
    try {
      Wire.In in = in(rq);
      name = in.str();
      channel = in.u8();
      value = in.u16();
    } catch (Wire.Malformed e) {
      return fail(rp, ErrorCode.BADPARAM, "SET_ANALOG: " + e.getMessage());
    }
    Device d = devices.get(name);
    if (d == null) {
      return fail(rp, ErrorCode.NO_SUCH_OBJECT, noDevice(name));
    }
    if (!(hal instanceof SimulatedHal sim) || d.spec.kind() != DeviceSpec.Kind.MCP3008) {
      return fail(rp, ErrorCode.BADPARAM, "SET_ANALOG: takes an emulated mcp3008");
    }
    return hardware(rp, () -> sim.mcp3008(d.spec.bus(), d.spec.address()).set(channel, value));
  }

  // ---- helpers --------------------------------------------------------------------------------

  @FunctionalInterface
  private interface Action {
    void run() throws InterruptedException;
  }

  /** Runs a hardware action: a HAL failure is SYSERR, a bad argument BADPARAM, with the reason. */
  private static int hardware(RpcMessage rp, Action action) {
    try {
      action.run();
      return 0;
    } catch (HalException e) {
      return fail(rp, ErrorCode.SYSERR, e.getMessage());
    } catch (IllegalArgumentException e) {
      return fail(rp, ErrorCode.BADPARAM, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail(rp, ErrorCode.INTERRUPTED, "interrupted");
    }
  }

  private static Wire.In in(RpcMessage m) {
    return new Wire.In(ByteBuffer.wrap(bytes(m)));
  }

  private static byte[] bytes(RpcMessage m) {
    byte[] b = new byte[m.dataLength()];
    m.data().get(m.data().position(), b);
    return b;
  }

  static int fail(RpcMessage reply, ErrorCode code, String why) {
    reply.data(ByteBuffer.wrap(why.getBytes(StandardCharsets.UTF_8)));
    return code.code();
  }
}
