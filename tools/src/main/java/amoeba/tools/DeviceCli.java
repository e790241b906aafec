package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.drivers.DeviceClient;
import amoeba.drivers.DeviceServer;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The device commands ({@code gpio}, {@code pwm}, {@code i2c}, {@code sensor}): DEVICE is
 * {@code BOARD/NAME} (or {@code /dev/BOARD/NAME}, mapped to it until the directory publishes
 * devices), reached at the board's device server, whose capability the pool key gives. Each
 * command claims the device as "amoeba CLI (pid N)", acts, and releases it keeping its state;
 * a device a program holds answers "in use by ...".
 */
final class DeviceCli {
  private DeviceCli() {}

  /** A device's board and name. */
  record Target(String board, String name) {
    static Target parse(String device) {
      String d = device.startsWith("/dev/") ? device.substring(5) : device;
      String[] p = d.split("/");
      if (p.length != 2 || p[0].isEmpty() || p[1].isEmpty()) {
        throw new CliFailure("a device is BOARD/NAME or /dev/BOARD/NAME, e.g. b1/led; not '" + device + "'");
      }
      return new Target(p[0], p[1]);
    }

    @Override
    public String toString() {
      return board + "/" + name;
    }
  }

  /** What every device command shares. */
  abstract static class Base implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    /** Runs {@code action} on a session; RPC errors become one-line failures naming the device. */
    @FunctionalInterface
    interface Action {
      void run(DeviceClient client, Capability server, PrintWriter out) throws RpcException;
    }

    int on(Target t, Action action) {
      PrintWriter out = spec.commandLine().getOut();
      try (KernelCli.Session s = kernel.open()) {
        DeviceClient client = new DeviceClient(s.rpc::trans, kernel.timeoutMs * 1_000_000L);
        try {
          action.run(client, BoardPorts.owner(s.key, DeviceServer.SERVICE, t.board()), out);
        } catch (RpcException e) {
          throw new CliFailure(t + ": " + e.getMessage(), e);
        }
      }
      out.flush();
      return 0;
    }

    /** Claims, acts with the claim, releases keeping the device's state. */
    interface Claimed {
      void run(DeviceClient client, Capability claim, PrintWriter out) throws RpcException;
    }

    int claimed(Target t, Claimed action) {
      return on(t, (client, server, out) -> {
        Capability claim = client.claim(server, t.name(), "amoeba CLI (pid " + ProcessHandle.current().pid() + ")", null);
        try {
          action.run(client, claim, out);
        } finally {
          client.release(claim, true);
        }
      });
    }

    picocli.CommandLine.ParameterException usage(String message) {
      return new picocli.CommandLine.ParameterException(spec.commandLine(), message);
    }
  }

  @Command(name = "gpio", description = {
      "Drive or read a pin: write 1|0|toggle, read, watch (edges until --count), press (emulated boards)."})
  static final class Gpio extends Base {
    enum Action { write, read, watch, press }

    @Parameters(index = "0", paramLabel = "DEVICE", description = "BOARD/NAME, e.g. b1/led.")
    String device;

    @Parameters(index = "1", paramLabel = "ACTION", description = "write, read, watch or press.")
    Action action;

    @Parameters(index = "2", arity = "0..1", paramLabel = "VALUE", description = "write: 1, 0 or toggle.")
    String value;

    @Option(names = "--count", defaultValue = "0", description = "watch: stop after this many edges (0: until interrupted).")
    int count;

    @Override
    public Integer call() {
      Target t = Target.parse(device);
      switch (action) {
        case write -> {
          int op = switch (value == null ? "" : value) {
            case "1", "on", "high" -> amoeba.drivers.DeviceCommand.HIGH;
            case "0", "off", "low" -> amoeba.drivers.DeviceCommand.LOW;
            case "toggle" -> amoeba.drivers.DeviceCommand.TOGGLE;
            default -> throw usage("gpio DEVICE write takes 1, 0 or toggle");
          };
          return claimed(t, (c, claim, out) -> out.println(c.write(claim, op) ? "1" : "0"));
        }
        case read -> {
          return claimed(t, (c, claim, out) -> out.println(c.read(claim) ? "1" : "0"));
        }
        case press -> {
          return on(t, (c, server, out) -> c.press(server, t.name(), amoeba.drivers.DeviceCommand.CLICK));
        }
        default -> {
          return claimed(t, (c, claim, out) -> {
            long after = 0;
            for (int seen = 0; count == 0 || seen < count; ) {
              DeviceClient.Edges e = c.watch(claim, after, 10_000, 64);
              if (e.lost() > 0) {
                out.println("lost " + e.lost() + " edges");
              }
              for (DeviceClient.Edge edge : e.edges()) {
                out.println(edge.seq() + " " + (edge.high() ? "1" : "0"));
                after = edge.seq();
                if (++seen == count) {
                  break;
                }
              }
              out.flush();
              if (Thread.currentThread().isInterrupted()) {
                break;
              }
            }
          });
        }
      }
    }
  }

  @Command(name = "pwm", description = "Set or read a PWM output: set --freq HZ --duty PERCENT, get.")
  static final class Pwm extends Base {
    @Parameters(index = "0", paramLabel = "DEVICE", description = "BOARD/NAME, e.g. b1/fan.")
    String device;

    @Parameters(index = "1", paramLabel = "ACTION", description = "set or get.")
    String action;

    @Option(names = "--freq", defaultValue = "25000", description = "Hz (default: ${DEFAULT-VALUE}).")
    int freq;

    @Option(names = "--duty", description = "Percent, 0..100 (0.01 steps).")
    Double duty;

    @Override
    public Integer call() {
      Target t = Target.parse(device);
      if (action.equals("get")) {
        return claimed(t, (c, claim, out) -> print(out, c.pwmGet(claim)));
      }
      if (!action.equals("set") || duty == null || duty < 0 || duty > 100) {
        throw usage("pwm DEVICE set --freq HZ --duty PERCENT (0..100), or pwm DEVICE get");
      }
      int centi = (int) Math.round(duty * 100);
      return claimed(t, (c, claim, out) -> print(out, c.pwmSet(claim, freq, centi)));
    }

    private static void print(PrintWriter out, int[] fd) {
      out.printf(Locale.ROOT, "frequency_hz=%d duty_pct=%.2f%n", fd[0], fd[1] / 100.0);
    }
  }

  @Command(name = "i2c", description = "Read or write an I2C device's registers: read ADDR REG N, write ADDR REG BYTE...")
  static final class I2c extends Base {
    @Parameters(index = "0", paramLabel = "DEVICE", description = "BOARD/NAME of a bus or device, e.g. b2/i2c1.")
    String device;

    @Parameters(index = "1", paramLabel = "ACTION", description = "read or write.")
    String action;

    @Parameters(index = "2..*", paramLabel = "ARGS", description = "ADDR REG N (read) or ADDR REG BYTE... (write); numbers in hex as 0x.., else decimal.")
    List<String> args = List.of();

    @Override
    public Integer call() {
      Target t = Target.parse(device);
      if (args.size() < 3 || !(action.equals("read") || action.equals("write"))) {
        throw usage("i2c DEVICE read ADDR REG N, or i2c DEVICE write ADDR REG BYTE...");
      }
      int address = number(args.get(0));
      int register = number(args.get(1));
      if (action.equals("read")) {
        int n = number(args.get(2));
        return claimed(t, (c, claim, out) -> out.println(HexFormat.ofDelimiter(" ").formatHex(c.i2cRead(claim, address, register, n))));
      }
      byte[] data = new byte[args.size() - 2];
      for (int i = 2; i < args.size(); i++) {
        data[i - 2] = (byte) number(args.get(i));
      }
      return claimed(t, (c, claim, out) -> c.i2cWrite(claim, address, register, data));
    }

    private int number(String s) {
      try {
        return s.startsWith("0x") ? Integer.parseInt(s.substring(2), 16) : Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw usage("not a number: " + s);
      }
    }
  }

  @Command(name = "sensor", description = "Read a sensor (temperature, humidity; ADC channels); set-analog CH VALUE on emulated ADCs.")
  static final class Sensor extends Base {
    @Parameters(index = "0", paramLabel = "DEVICE", description = "BOARD/NAME, e.g. b2/temp.")
    String device;

    @Parameters(index = "1", paramLabel = "ACTION", description = "read, or set-analog (emulated).")
    String action;

    @Parameters(index = "2..*", paramLabel = "ARGS", description = "set-analog: CHANNEL VALUE (0..1023).")
    List<String> args = List.of();

    @Option(names = "--json", description = "One JSON object.")
    boolean json;

    @Override
    public Integer call() {
      Target t = Target.parse(device);
      if (action.equals("set-analog") && args.size() == 2) {
        int ch;
        int v;
        try {
          ch = Integer.parseInt(args.get(0));
          v = Integer.parseInt(args.get(1));
        } catch (NumberFormatException e) {
          throw usage("sensor DEVICE set-analog CHANNEL VALUE");
        }
        return on(t, (c, server, out) -> c.setAnalog(server, t.name(), ch, v));
      }
      if (!action.equals("read")) {
        throw usage("sensor DEVICE read, or sensor DEVICE set-analog CHANNEL VALUE");
      }
      return claimed(t, (c, claim, out) -> {
        Map<String, String> values = c.sensorRead(claim);
        if (json) {
          out.println(KernelCli.json(values));
        } else {
          values.forEach((k, v) -> out.println(k + "=" + v));
        }
      });
    }
  }
}
