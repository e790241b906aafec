package amoeba.tools;

import amoeba.boards.BoardDefinition;
import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.NeedsServerException;
import amoeba.drivers.DeviceRights;
import java.security.SecureRandom;
import amoeba.boards.Boards;
import amoeba.drivers.DeviceClient;
import amoeba.drivers.DeviceServer;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba board info|load|peers|shutdown|devices B} ask a running board; {@code board list},
 * {@code board show ID} and {@code board detect} read the board definitions (boards/).
 */
@Command(name = "board", description = "Ask a board's sys or device server; list, show and detect board models.",
    subcommands = {BoardCommand.Info.class, BoardCommand.Load.class, BoardCommand.Peers.class, BoardCommand.Shutdown.class,
        BoardCommand.Devices.class, BoardCommand.ListModels.class, BoardCommand.Show.class,
        BoardCommand.Detect.class})
final class BoardCommand {
  abstract static class Query implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(index = "0", paramLabel = "BOARD", description = "The board's name.")
    String board;

    @Option(names = "--json", description = "One JSON object.")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    abstract Map<String, String> ask(KernelCli.Session s) throws RpcException;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KernelCli.Session s = kernel.open()) {
        Map<String, String> values;
        try {
          values = ask(s);
        } catch (RpcException e) {
          throw KernelCli.failure(board, e);
        }
        if (json) {
          out.println(KernelCli.json(values));
        } else {
          values.forEach((k, v) -> out.println(k + ": " + v));
        }
        out.flush();
      }
      return 0;
    }
  }

  @Command(name = "info", description = "Name, model, cores, memory, JVM, uptime.")
  static final class Info extends Query {
    @Override
    Map<String, String> ask(KernelCli.Session s) throws RpcException {
      return s.sys.info(s.sysServer(board));
    }
  }

  @Command(name = "load", description = "Runnable threads, CPU load, free heap, speed index.")
  static final class Load extends Query {
    @Override
    Map<String, String> ask(KernelCli.Session s) throws RpcException {
      return s.sys.load(s.sysServer(board));
    }
  }

  @Command(name = "peers", description = "The other boards as this one sees them: up or down, ms since their last answer.")
  static final class Peers extends Query {
    @Override
    Map<String, String> ask(KernelCli.Session s) throws RpcException {
      return s.sys.peers(s.sysServer(board));
    }
  }

  @Command(name = "shutdown", description = "Stop the board (needs the pool key).")
  static final class Shutdown extends Query {
    @Override
    Map<String, String> ask(KernelCli.Session s) throws RpcException {
      s.sys.shutdown(s.sysServer(board));
      return Map.of("stopping", board);
    }
  }

  @Command(name = "devices", description = "The devices of a board's device server: name, kind, where, holder, state.")
  static final class Devices implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(index = "0", paramLabel = "BOARD", description = "The board's name.")
    String board;

    @Option(names = "--json", description = "One JSON object per device, one per line.")
    boolean json;

    @Option(names = "--cap", description = {
        "Print only the device server's capability, restricted to claim and list (0x03):",
        "what a program needs to claim this board's devices (examples blink, thermostat)."})
    boolean cap;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      if (cap) {
        Capability server = BoardPorts.owner(kernel.net.poolKey(), DeviceServer.SERVICE, board);
        try {
          out.println(CapabilityText.format(new CheckScheme(new SecureRandom())
              .restrict(server, DeviceRights.CLAIM | DeviceRights.READ)));
        } catch (NeedsServerException e) {
          throw new IllegalStateException("an owner capability restricts locally", e);
        }
        out.flush();
        return 0;
      }
      try (KernelCli.Session s = kernel.open()) {
        List<DeviceServer.Status> all;
        try {
          all = new DeviceClient(s.rpc::trans, kernel.timeoutMs * 1_000_000L)
              .list(BoardPorts.owner(s.key, DeviceServer.SERVICE, board));
        } catch (RpcException e) {
          throw KernelCli.failure(board, e);
        }
        if (!json) {
          out.printf("%-10s %-8s %-14s %-24s %s%n", "DEVICE", "KIND", "WHERE", "HOLDER", "STATE");
        }
        for (DeviceServer.Status d : all) {
          if (json) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("device", board + "/" + d.name());
            m.put("kind", d.kind());
            m.put("where", d.where());
            m.put("holder", d.holder());
            m.put("state", d.state());
            out.println(KernelCli.json(m));
          } else {
            out.printf("%-10s %-8s %-14s %-24s %s%n", board + "/" + d.name(), d.kind(), d.where(),
                d.holder().isEmpty() ? "-" : d.holder(), d.state());
          }
        }
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "list", description = "The board models this build knows.")
  static final class ListModels implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      out.printf("%-9s %-32s %-5s %s%n", "ID", "MODEL", "CORES", "RAM (MiB)");
      for (BoardDefinition b : Boards.all()) {
        out.printf("%-9s %-32s %-5s %s%n", b.id(), b.model(), b.cores() == 0 ? "host" : b.cores(),
            b.ramMb().stream().map(String::valueOf).reduce((x, y) -> x + " " + y).orElse(""));
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "show", description = "A board model: CPU, RAM, buses, JVM flags, Pi4J, and its header like pinout.")
  static final class Show implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "A board id (board list), e.g. pi4b.")
    String id;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      BoardDefinition b = Boards.byId(id).orElseThrow(() -> new CliFailure(
          "no board " + id + " (known: " + String.join(", ", Boards.IDS) + ")"));
      PrintWriter out = spec.commandLine().getOut();
      out.println(b.model() + " (" + b.id() + ")");
      out.println("cpu:   " + b.cpu() + (b.cores() == 0 ? "" : ", " + b.cores() + " cores"));
      out.println("ram:   " + b.ramMb() + " MiB");
      b.buses().values().forEach(bus -> out.println(bus.kind() + ":   " + bus.name() + " on gpio " + bus.pins()));
      out.println("pwm:   " + b.pwmChannels().entrySet().stream()
          .map(e -> "gpio" + e.getKey() + "=ch" + e.getValue()).reduce((x, y) -> x + " " + y).orElse("-")
          + " (pwmchip" + b.pwmChip() + ")");
      int ram = b.ramMb().get(0);
      out.println("jvm:   " + String.join(" ", b.jvmFlags(ram)) + "   (for " + ram + " MiB; heap = RAM/4)");
      out.println("pi4j:  " + b.pi4j());
      out.println();
      List<BoardDefinition.HeaderPin> h = b.header();
      for (int i = 0; i + 1 < h.size(); i += 2) {
        BoardDefinition.HeaderPin l = h.get(i);
        BoardDefinition.HeaderPin r = h.get(i + 1);
        out.printf("%24s %-7s (%2d) (%2d) %-7s %s%n", functions(l), l.name(), l.physical(), r.physical(), r.name(), functions(r));
      }
      out.flush();
      return 0;
    }

    private static String functions(BoardDefinition.HeaderPin p) {
      return p.functions().equals("-") || p.functions().equals("power") || p.functions().equals("ground")
          ? "" : p.functions().length() > 24 ? p.functions().substring(0, 24) : p.functions();
    }
  }

  @Command(name = "detect", description = "Which board model this machine is (/proc/device-tree/model; $AMOEBA_BOARD overrides).")
  static final class Detect implements Callable<Integer> {
    @Option(names = "--model-file", paramLabel = "FILE", description = "Read the model from FILE instead.")
    java.nio.file.Path modelFile;

    @Option(names = "--json", description = "One JSON object.")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Boards.Detection d = Boards.detect(modelFile == null ? Boards.DEVICE_TREE_MODEL : modelFile,
          modelFile == null ? System.getenv(Boards.OVERRIDE_ENV) : null);
      PrintWriter out = spec.commandLine().getOut();
      Map<String, String> m = new LinkedHashMap<>();
      m.put("board", d.board().id());
      m.put("model", d.board().model());
      m.put("how", d.how());
      if (json) {
        out.println(KernelCli.json(m));
      } else {
        m.forEach((k, v) -> out.println(k + ": " + v));
      }
      out.flush();
      return 0;
    }
  }
}
