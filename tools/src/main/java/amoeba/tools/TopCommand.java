package amoeba.tools;

import amoeba.drivers.DeviceClient;
import amoeba.drivers.DeviceServer;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba top}: the pool live, redrawn in place: boards (up/down, load, memory), their
 * running processes, their devices' state (LED, button, fan, with their holders), the faults in
 * force (emulated pools) and recent events (boards going down and coming back, as this view saw
 * them).
 */
@Command(name = "top", description = "The pool live: boards, processes, devices, faults in force, recent events.",
    footer = {"", "Example:  amoeba top            (Ctrl-C to leave)", "          amoeba top --once     (one frame, no screen control)"})
final class TopCommand implements Callable<Integer> {
  static final int EVENTS = 8;

  @Mixin KernelCli kernel;

  @Option(names = "--boards", split = ",", paramLabel = "B1,B2,...", description = "The pool's boards (default: the profile's).")
  List<String> boards;

  @Option(names = "--interval-ms", defaultValue = "1000", description = "Refresh period (default: ${DEFAULT-VALUE}).")
  long intervalMs;

  @Option(names = "--once", description = "Print one frame and exit (no screen control).")
  boolean once;

  @Option(names = "--seconds", defaultValue = "0", description = "Leave after this long (default: until Ctrl-C).")
  long seconds;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private final Map<String, Boolean> lastUp = new HashMap<>();
  private final Deque<String> events = new ArrayDeque<>();

  @Override
  public Integer call() {
    if (boards == null || boards.isEmpty()) {
      throw new CliFailure("no boards known: give --boards b1,b2,... or use a profile written by emulate or flash");
    }
    if (intervalMs < 100) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--interval-ms must be >= 100");
    }
    PrintWriter out = spec.commandLine().getOut();
    long deadline = seconds <= 0 ? Long.MAX_VALUE : System.nanoTime() + seconds * 1_000_000_000L;
    try (KernelCli.Session s = kernel.open()) {
      do {
        long start = System.nanoTime();
        String frame = frame(s);
        if (!once) {
          out.print("\033[H\033[2J"); // home and clear: redraw in place
        }
        out.print(frame);
        out.flush();
        if (once) {
          break;
        }
        LockSupport.parkNanos(Math.max(0, intervalMs * 1_000_000L - (System.nanoTime() - start)));
      } while (System.nanoTime() - deadline < 0 && !Thread.currentThread().isInterrupted());
    }
    return 0;
  }

  private String frame(KernelCli.Session s) {
    StringBuilder b = new StringBuilder();
    List<PoolCommand.BoardStatus> all = PoolCommand.ask(s, boards);
    long up = all.stream().filter(PoolCommand.BoardStatus::up).count();
    b.append(String.format("amoeba top  %s  pool %s  %d/%d boards up  transport %s%n",
        LocalTime.now().truncatedTo(ChronoUnit.SECONDS), PoolProfile.currentName(), up, all.size(),
        kernel.net.transport));
    String faults = faults();
    if (faults != null) {
      b.append("faults: ").append(faults).append('\n');
    }
    b.append(String.format("%n%-8s %-5s %6s %10s %6s %6s  %s%n", "BOARD", "STATE", "LOAD", "FREE_HEAP", "PROCS", "DROPS", "PROCESSES"));
    for (PoolCommand.BoardStatus board : all) {
      Boolean before = lastUp.put(board.name(), board.up());
      if (before != null && before != board.up()) {
        event(board.name() + (board.up() ? " is back" : " went down"));
      }
      if (!board.up()) {
        b.append(String.format("%-8s %-5s%n", board.name(), "down"));
        continue;
      }
      Map<String, String> v = board.values();
      b.append(String.format("%-8s %-5s %6s %10s %6s %6s  %s%n", board.name(), "up", v.get("load_average"),
          (Long.parseLong(v.getOrDefault("free_heap_bytes", "0")) >> 20) + " MiB", v.get("processes"),
          v.get("flip_drops"), processes(s, board.name())));
    }
    b.append("\ndevices:\n");
    for (PoolCommand.BoardStatus board : all) {
      if (board.up()) {
        b.append(String.format("  %-8s %s%n", board.name(), devices(s, board.name())));
      }
    }
    b.append("\nrecent events:\n");
    if (events.isEmpty()) {
      b.append("  (none yet)\n");
    }
    events.forEach(e -> b.append("  ").append(e).append('\n'));
    return b.toString();
  }

  private static String processes(KernelCli.Session s, String board) {
    try {
      StringBuilder b = new StringBuilder();
      for (ProcessInfo p : s.processes.list(s.processServer(board))) {
        if (!p.state().finished()) {
          b.append(b.length() == 0 ? "" : " ").append(p.pid()).append(':').append(p.name());
        }
      }
      return b.length() == 0 ? "-" : b.toString();
    } catch (RpcException e) {
      return "? " + e.getMessage();
    }
  }

  /** The state of a board's outputs and inputs (LED, button, fan ...): "led=off button=high ...". */
  private String devices(KernelCli.Session s, String board) {
    try {
      StringBuilder b = new StringBuilder();
      for (DeviceServer.Status d : new DeviceClient(s.rpc::trans, kernel.timeoutMs * 1_000_000L)
          .list(BoardPorts.owner(s.key, DeviceServer.SERVICE, board))) {
        if (!d.state().isEmpty()) {
          b.append(b.length() == 0 ? "" : "  ").append(d.name()).append('=').append(d.state());
          if (!d.holder().isEmpty() && !d.holder().equals("-")) {
            b.append(" (").append(d.holder()).append(')');
          }
        }
      }
      return b.length() == 0 ? "-" : b.toString();
    } catch (RpcException e) {
      return "? " + e.getMessage();
    }
  }

  private void event(String what) {
    events.addFirst(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + what);
    while (events.size() > EVENTS) {
      events.removeLast();
    }
  }

  /** What is in force in an emulated pool, or null for a pool without a chaos folder. */
  private static String faults() {
    String pool = PoolProfile.currentName();
    if (pool == null) {
      return null;
    }
    var dir = PoolProfile.home().resolve("pools").resolve(pool).resolve("chaos");
    if (!Files.isDirectory(dir)) {
      return null;
    }
    try {
      return ChaosCommand.describe(ChaosAgent.read(dir));
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    }
  }
}
