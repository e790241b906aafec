package amoeba.tools;

import amoeba.capabilities.CapabilityText;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.ProcessClient;
import amoeba.servers.run.Constraints;
import amoeba.servers.run.Launch;
import amoeba.servers.run.RunClient;
import java.io.PrintWriter;
import java.util.ArrayList;
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
 * {@code amoeba run SOURCE [ARGS]}: the run server picks a board (or honours --on, --needs,
 * --avoid), and the output streams back as with {@code amoeba exec}; exits with the program's
 * status.
 */
@Command(name = "run", description = {
    "Run a program on the pool: the run server picks the board; stream its output, exit with its status.",
    "SOURCE: a jar (its path on the boards' file system), /path in the namespace, builtin:NAME or cap:HEX.",
    "Put '--' before program arguments that start with '-'."})
final class RunCommand implements Callable<Integer> {
  @Mixin KernelCli kernel;

  @Option(names = "--on", paramLabel = "BOARD", description = "Run on this board only.")
  String on;

  @Option(names = "--needs", paramLabel = "model=MODEL|TAG",
      description = "A board model (model=pi4b) or a tag such as gpio the board must have (repeatable).")
  List<String> needs = new ArrayList<>();

  @Option(names = "--avoid", paramLabel = "BOARD", description = "Never this board (repeatable).")
  List<String> avoid = new ArrayList<>();

  @Option(names = "--env", paramLabel = "KEY=VALUE", description = "An environment variable (repeatable).")
  Map<String, String> env = new LinkedHashMap<>();

  @Option(names = {"-i", "--stdin"}, description = "Forward this command's stdin to the program.")
  boolean stdin;

  @Option(names = {"-d", "--detach"}, description = "Print 'BOARD PID CAPABILITY' and return at once.")
  boolean detach;

  @Parameters(index = "0", paramLabel = "SOURCE", description = "The program.")
  String source;

  @Parameters(index = "1..*", paramLabel = "ARG", description = "The program's arguments.")
  List<String> args = new ArrayList<>();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  static Constraints constraints(String on, List<String> needs, List<String> avoid) {
    try {
      return Constraints.parse(on, needs, avoid);
    } catch (IllegalArgumentException e) {
      throw new CliFailure(e.getMessage(), e);
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Constraints where = constraints(on, needs, avoid);
    try (KernelCli.Session s = kernel.open()) {
      Launch launch;
      try {
        launch = new Launch(s.programSource(source), args, env, where);
      } catch (IllegalArgumentException e) {
        throw new CliFailure(e.getMessage(), e);
      }
      RunClient.Placed placed;
      try {
        placed = s.run.run(s.runServer(), launch);
      } catch (RpcException e) {
        throw new CliFailure("run server: " + e.getMessage(), e);
      }
      if (detach) {
        out.println(placed.board() + " " + placed.pid() + " " + CapabilityText.format(placed.capability()));
        out.flush();
        return 0;
      }
      return ProcessStream.attach(s, placed.board(), new ProcessClient.Started(placed.pid(), placed.capability()),
          stdin, out, err);
    }
  }
}
