package amoeba.boards;

import amoeba.drivers.DeviceSpec;
import amoeba.drivers.hal.Pull;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A board's bring-up configuration: which devices it exposes and which servers it hosts, checked
 * against its {@link BoardDefinition} before anything is opened. One line each:
 *
 * <pre>
 * gpio17 = out led [safe=0|1]                 an output (an LED); safe: its level on release/shutdown
 * gpio27 = in button [pull=up|down|off] [debounce=5ms|500us]
 * gpio18 = pwm fan                            a PWM-capable pin
 * i2c1 = i2c [NAME]                           the whole bus (any address per call); NAME: i2c1
 * i2c1 0x48 = tmp102 [NAME]                   a TMP102-like sensor; NAME: tmp102
 * spi0.0 = mcp3008 [NAME]                     an MCP3008-like ADC on chip select 0; NAME: mcp3008
 * spi0.1 = spi [NAME]                         a raw chip select; NAME: spi0.1
 * server = NAME ARGS...                       a system server the board starts
 * # a comment
 * </pre>
 *
 * A pin the board lacks, a pin used twice (a bus's shared pins may serve several devices of
 * that bus), a name used twice, or anything unreadable is a {@link BringUpException} naming the
 * line.
 */
public record BringUp(BoardDefinition board, List<DeviceSpec> devices, List<List<String>> servers) {

  /** A configuration error; the message starts with "line N: ". */
  public static final class BringUpException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    BringUpException(int line, String message) {
      super("line " + line + ": " + message);
    }
  }

  /** The default devices of an emulated board (led, button, fan, i2c1, temp, adc). */
  public static BringUp emulatedDefault() {
    return parse(Boards.resource("emulated.devices"), Boards.require("emulated"));
  }

  /** Parses and checks {@code text} for {@code board}. */
  public static BringUp parse(String text, BoardDefinition board) {
    return new Parser(board).parse(text);
  }

  private static final class Parser {
    final BoardDefinition board;
    final List<DeviceSpec> devices = new ArrayList<>();
    final List<List<String>> servers = new ArrayList<>();
    /** BCM pin -> (the user: "gpio17" or "bus i2c1", the line that took it). */
    final Map<Integer, String[]> pins = new HashMap<>();
    final Map<String, Integer> names = new HashMap<>();
    final Map<String, Integer> addresses = new HashMap<>();
    int line;
    String text;

    Parser(BoardDefinition board) {
      this.board = board;
    }

    BringUpException error(String message) {
      return new BringUpException(line, message);
    }

    BringUp parse(String all) {
      String[] lines = all.split("\n", -1);
      for (line = 1; line <= lines.length; line++) {
        text = lines[line - 1].strip();
        if (text.isEmpty() || text.startsWith("#")) {
          continue;
        }
        int eq = text.indexOf('=');
        if (eq < 0) {
          throw error("expected TARGET = WHAT, got '" + text + "'");
        }
        String target = text.substring(0, eq).strip();
        List<String> words = List.of(text.substring(eq + 1).strip().split("\\s+"));
        if (words.get(0).isEmpty()) {
          throw error("nothing after '=' in '" + text + "'");
        }
        line(target, words);
      }
      return new BringUp(board, List.copyOf(devices), List.copyOf(servers));
    }

    void line(String target, List<String> words) {
      if (target.equals("server")) {
        servers.add(words);
        return;
      }
      String role = words.get(0);
      if (target.matches("gpio\\d+")) {
        int bcm = Integer.parseInt(target.substring(4));
        Map<String, String> opts = options(words, 2);
        String name = name(words, null);
        switch (role) {
          case "out" -> {
            take(bcm, target);
            devices.add(DeviceSpec.out(name, bcm, flag(opts.getOrDefault("safe", "0"), "safe")));
          }
          case "in" -> {
            take(bcm, target);
            devices.add(DeviceSpec.in(name, bcm, pull(opts.getOrDefault("pull", "off")),
                micros(opts.getOrDefault("debounce", "0"))));
          }
          case "pwm" -> {
            Integer channel = board.pwmChannels().get(bcm);
            if (channel == null) {
              gpio(bcm);
              throw error(target + " has no PWM on the " + board.id() + " (PWM pins: "
                  + board.pwmChannels().keySet() + ")");
            }
            take(bcm, target);
            devices.add(DeviceSpec.pwm(name, bcm, channel));
          }
          default -> throw error("a gpio is 'out', 'in' or 'pwm', not '" + role + "'");
        }
        return;
      }
      if (target.matches("i2c\\d+( +0x[0-9a-fA-F]{1,2})?")) {
        String[] t = target.split(" +");
        BoardDefinition.Bus bus = bus(t[0]);
        takeBus(bus, bus.sharedPins());
        options(words, 2);
        if (t.length == 1) {
          if (!role.equals("i2c")) {
            throw error("a whole bus is '" + t[0] + " = i2c [NAME]'; a device names its address: '" + t[0] + " 0x48 = " + role + "'");
          }
          devices.add(DeviceSpec.i2cBus(name(words, t[0]), bus.number()));
          return;
        }
        int address = Integer.parseInt(t[1].substring(2), 16);
        if (address < 0x03 || address > 0x77) {
          throw error("7-bit I2C addresses are 0x03..0x77, not " + t[1]);
        }
        Integer before = addresses.putIfAbsent(target.replaceAll(" +", " ").toLowerCase(java.util.Locale.ROOT), line);
        if (before != null) {
          throw error(target + " is used twice: line " + before + " has it already");
        }
        if (!role.equals("tmp102")) {
          throw error("the I2C devices we drive: tmp102, not '" + role + "'");
        }
        devices.add(DeviceSpec.tmp102(name(words, "tmp102"), bus.number(), address));
        return;
      }
      if (target.matches("spi\\d+\\.\\d+")) {
        String[] t = target.split("\\.");
        BoardDefinition.Bus bus = bus(t[0]);
        int cs = Integer.parseInt(t[1]);
        if (cs >= bus.chipSelects()) {
          throw error(t[0] + " of the " + board.id() + " has chip selects 0.." + (bus.chipSelects() - 1));
        }
        takeBus(bus, bus.sharedPins());
        take(bus.pins().get(3 + cs), target);
        options(words, 2);
        switch (role) {
          case "mcp3008" -> devices.add(DeviceSpec.mcp3008(name(words, "mcp3008"), bus.number(), cs));
          case "spi" -> devices.add(DeviceSpec.spi(name(words, target), bus.number(), cs));
          default -> throw error("an SPI device is 'mcp3008' or 'spi', not '" + role + "'");
        }
        return;
      }
      throw error("unknown target '" + target + "' (gpioN, i2cN, i2cN 0xAA, spiN.M, server)");
    }

    BoardDefinition.Bus bus(String name) {
      BoardDefinition.Bus bus = board.buses().get(name);
      if (bus == null) {
        throw error("the " + board.id() + " has no " + name + " (it has: "
            + String.join(", ", board.buses().keySet()) + ")");
      }
      return bus;
    }

    void gpio(int bcm) {
      if (board.gpio(bcm).isEmpty()) {
        throw error("the " + board.id() + " has no gpio" + bcm + " on its header (GPIOs: "
            + board.header().stream().filter(p -> p.bcm() >= 0).mapToInt(BoardDefinition.HeaderPin::bcm).min().orElse(0)
            + ".." + board.header().stream().mapToInt(BoardDefinition.HeaderPin::bcm).max().orElse(0) + ")");
      }
    }

    /** Takes {@code bcm} for {@code user} alone. */
    void take(int bcm, String user) {
      gpio(bcm);
      String[] had = pins.putIfAbsent(bcm, new String[] {user, Integer.toString(line), text});
      if (had != null) {
        throw error("gpio" + bcm + " is used twice: line " + had[1] + " (" + had[2] + ") has it already");
      }
    }

    /** Takes a bus's shared pins; devices of the same bus share them. */
    void takeBus(BoardDefinition.Bus bus, List<Integer> shared) {
      String user = "bus " + bus.name();
      for (int bcm : shared) {
        String[] had = pins.get(bcm);
        if (had != null && !had[0].equals(user)) {
          throw error(bus.name() + " needs gpio" + bcm + ", used by line " + had[1] + " (" + had[2] + ")");
        }
        if (had == null) {
          gpio(bcm);
          pins.put(bcm, new String[] {user, Integer.toString(line), text});
        }
      }
    }

    /** words[1] if it is a name (not key=value), else {@code fallback}; checks it is new. */
    String name(List<String> words, String fallback) {
      String name = words.size() > 1 && !words.get(1).contains("=") ? words.get(1) : fallback;
      if (name == null) {
        throw error("a gpio device needs a name: '" + text + " NAME'");
      }
      if (!name.matches("[A-Za-z0-9._-]{1,32}")) {
        throw error("a device name is 1..32 of [A-Za-z0-9._-], not '" + name + "'");
      }
      Integer before = names.putIfAbsent(name, line);
      if (before != null) {
        throw error("a device named " + name + " exists already (line " + before + ")");
      }
      return name;
    }

    Map<String, String> options(List<String> words, int from) {
      Map<String, String> opts = new HashMap<>();
      for (int i = 1; i < words.size(); i++) {
        String w = words.get(i);
        int eq = w.indexOf('=');
        if (eq > 0) {
          opts.put(w.substring(0, eq), w.substring(eq + 1));
        } else if (i >= from) {
          throw error("unexpected '" + w + "' (options are key=value)");
        }
      }
      return opts;
    }

    boolean flag(String v, String key) {
      return switch (v) {
        case "0" -> false;
        case "1" -> true;
        default -> throw error(key + " is 0 or 1, not '" + v + "'");
      };
    }

    Pull pull(String v) {
      return switch (v) {
        case "up" -> Pull.UP;
        case "down" -> Pull.DOWN;
        case "off" -> Pull.OFF;
        default -> throw error("pull is up, down or off, not '" + v + "'");
      };
    }

    long micros(String v) {
      try {
        if (v.endsWith("ms")) {
          return Long.parseLong(v.substring(0, v.length() - 2)) * 1000;
        }
        if (v.endsWith("us")) {
          return Long.parseLong(v.substring(0, v.length() - 2));
        }
        if (v.equals("0")) {
          return 0;
        }
      } catch (NumberFormatException e) {
        // falls through to the error
      }
      throw error("debounce is like 5ms or 500us, not '" + v + "'");
    }
  }
}
