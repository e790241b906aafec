package amoeba.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba chaos ...}: faults on the running emulated pool, to learn from and to test with.
 * Network faults go through the pool's chaos folder, which every board follows ({@link
 * ChaosAgent}); kill and pause act on the board processes by the pids they recorded there.
 */
@Command(name = "chaos", description = "Inject faults into the running emulated pool.",
    subcommands = {ChaosCommand.PartitionCmd.class, ChaosCommand.Heal.class, ChaosCommand.Faults.class,
        ChaosCommand.Clear.class, ChaosCommand.Kill.class, ChaosCommand.Pause.class, ChaosCommand.Status.class},
    footer = {"", "Examples:", "  amoeba chaos partition b1,b2 b3,b4", "  amoeba chaos faults loss=10%,dup=2%",
        "  amoeba chaos kill b3", "  amoeba chaos pause b2 --seconds 5", "  amoeba chaos heal"})
final class ChaosCommand {
  /** The current pool's chaos folder; fails clearly when the pool is not an emulated one. */
  static Path folder() {
    String pool = PoolProfile.currentName();
    if (pool == null) {
      throw new CliFailure("no current pool: start one with 'amoeba emulate'");
    }
    Path dir = PoolProfile.home().resolve("pools").resolve(pool).resolve("chaos");
    if (!Files.isDirectory(dir)) {
      throw new CliFailure("pool '" + pool + "' has no chaos folder: chaos acts on pools started by 'amoeba emulate'");
    }
    return dir;
  }

  static List<String> boards() {
    String list = PoolProfile.read(PoolProfile.currentName()).getProperty("boards", "");
    return list.isEmpty() ? List.of() : Arrays.asList(list.split(","));
  }

  /** Replaces the faults file atomically (boards never read half a file). */
  static void write(Path dir, Properties p) throws IOException {
    Path tmp = dir.resolve(ChaosAgent.FAULTS + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp)) {
      p.store(w, "faults in force in this emulated pool (amoeba chaos)");
    }
    Files.move(tmp, dir.resolve(ChaosAgent.FAULTS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A change of the faults file: read, change, write, print what is in force. */
  abstract static class Change implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    abstract void change(Properties faults);

    @Override
    public Integer call() throws IOException {
      Path dir = folder();
      Properties p = ChaosAgent.read(dir);
      try {
        change(p);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      write(dir, p);
      spec.commandLine().getOut().println("in force: " + describe(p));
      return 0;
    }
  }

  static String describe(Properties p) {
    return p.isEmpty() ? "no faults" : new TreeMap<>(p).toString();
  }

  @Command(name = "partition", description = "Split the pool: boards on different sides stop hearing each other.")
  static final class PartitionCmd extends Change {
    @Parameters(arity = "2..*", paramLabel = "SIDE", description = "Comma-separated boards, e.g. b1,b2 b3,b4.")
    List<String> sides;

    @Override
    void change(Properties faults) {
      faults.setProperty("partition", ChaosAgent.parsePartition(sides, boards()));
    }
  }

  @Command(name = "heal", description = "End the partition.")
  static final class Heal extends Change {
    @Override
    void change(Properties faults) {
      faults.remove("partition");
    }
  }

  @Command(name = "faults", description = "Set packet faults on every board, e.g. loss=10%,dup=2%,reorder=5%,delay=20ms,jitter=5ms.")
  static final class Faults extends Change {
    @Parameters(paramLabel = "SPEC") String spec0;

    @Override
    void change(Properties faults) {
      ChaosAgent.parseFaults(spec0).forEach(faults::setProperty);
    }
  }

  @Command(name = "clear", description = "Remove every fault and partition.")
  static final class Clear extends Change {
    @Override
    void change(Properties faults) {
      faults.clear();
    }
  }

  @Command(name = "status", description = "What is in force.")
  static final class Status implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      spec.commandLine().getOut().println("in force: " + describe(ChaosAgent.read(folder())));
      return 0;
    }
  }

  /** A board process of the current emulated pool, by the pid it recorded. */
  static ProcessHandle board(String name) {
    Path pid = folder().resolve(name + ".pid");
    if (!Files.isRegularFile(pid)) {
      throw new CliFailure("no board " + name + " in this pool (" + String.join(",", boards()) + ")");
    }
    long n;
    try {
      n = Long.parseLong(Files.readString(pid).trim());
    } catch (IOException | NumberFormatException e) {
      throw new CliFailure("cannot read " + pid + ": " + e.getMessage());
    }
    // Only a live board of ours: a recycled pid of another program is never signalled.
    return ProcessHandle.of(n)
        .filter(h -> h.info().commandLine().map(c -> c.contains(" boot ") && c.contains("--name " + name)).orElse(false))
        .orElseThrow(() -> new CliFailure("board " + name + " is not running (pid " + n + ")"));
  }

  static void signal(ProcessHandle p, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new CliFailure("kill -" + signal + " " + p.pid() + " failed");
      }
    } catch (IOException e) {
      throw new CliFailure("cannot run kill: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure("interrupted");
    }
  }

  @Command(name = "kill", description = "kill -9 a board (the pool masks it; 'emulate --restart' brings it back).")
  static final class Kill implements Callable<Integer> {
    @Parameters(paramLabel = "BOARD") String name;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      ProcessHandle p = board(name);
      signal(p, "KILL");
      spec.commandLine().getOut().printf("killed %s (pid %d)%n", name, p.pid());
      return 0;
    }
  }

  @Command(name = "pause", description = "Stop a board's process (SIGSTOP), and resume it after the time.")
  static final class Pause implements Callable<Integer> {
    @Parameters(paramLabel = "BOARD") String name;

    @Option(names = "--seconds", defaultValue = "5", description = "How long (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      if (seconds < 1 || seconds > 3600) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--seconds must be 1..3600");
      }
      PrintWriter out = spec.commandLine().getOut();
      ProcessHandle p = board(name);
      signal(p, "STOP");
      out.printf("paused %s for %d s%n", name, seconds);
      out.flush();
      try {
        Thread.sleep(seconds * 1000L); // the pause itself: what the user asked for
      } finally {
        signal(p, "CONT");
      }
      out.printf("resumed %s%n", name);
      return 0;
    }
  }
}
