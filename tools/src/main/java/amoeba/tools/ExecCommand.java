package amoeba.tools;

import amoeba.capabilities.CapabilityText;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.ProcessClient;
import java.io.PrintWriter;
import java.nio.file.Path;
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
 * {@code amoeba exec --on BOARD JAR [ARGS]}: runs a program on a board and streams its output
 * live by long-polling READ_OUTPUT; exits with the program's status (137 when killed).
 */
@Command(name = "exec", description = {
    "Run a program jar on a board, stream its output, exit with its status.",
    "JAR is a path on the board's file system (the Bullet server comes later); put '--' before",
    "program arguments that start with '-'."})
final class ExecCommand implements Callable<Integer> {
  @Mixin KernelCli kernel;

  @Option(names = "--on", required = true, paramLabel = "BOARD", description = "The board to run on.")
  String board;

  @Option(names = "--env", paramLabel = "KEY=VALUE", description = "An environment variable (repeatable).")
  Map<String, String> env = new LinkedHashMap<>();

  @Option(names = {"-i", "--stdin"}, description = "Forward this command's stdin to the program.")
  boolean stdin;

  /** Where the program runs. */
  enum Isolation {
    thread,
    jvm
  }

  @Option(names = "--isolation", defaultValue = "thread",
      description = "thread: in the board JVM (fast, trusted code); jvm: a child JVM of its own (kill always works, heap capped; no IPC yet) (default: ${DEFAULT-VALUE}).")
  Isolation isolation;

  @Option(names = "--heap-mb", defaultValue = "64", description = "Heap of the child JVM with --isolation jvm (default: ${DEFAULT-VALUE}).")
  int heapMb;

  @Option(names = {"-d", "--detach"}, description = "Print 'PID CAPABILITY' and return at once.")
  boolean detach;

  @Parameters(index = "0", paramLabel = "JAR", description = "The program jar: a path, or cap:HEX of a Bullet file.")
  Path jar;

  @Parameters(index = "1..*", paramLabel = "ARG", description = "The program's arguments.")
  List<String> args = new ArrayList<>();

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (KernelCli.Session s = kernel.open()) {
      var server = s.processServer(board);
      ProcessClient.Started started;
      // A program file in Bullet goes to the board as it is; a path is made absolute.
      String source = jar.toString().startsWith(CapabilityText.PREFIX) ? jar.toString() : jar.toAbsolutePath().toString();
      try {
        started = isolation == Isolation.jvm
            ? s.processes.execJvm(server, source, args, env, heapMb)
            : s.processes.exec(server, source, args, env);
      } catch (RpcException e) {
        throw KernelCli.failure(board, e);
      }
      if (detach) {
        out.println(started.pid() + " " + CapabilityText.format(started.capability()));
        out.flush();
        return 0;
      }
      return ProcessStream.attach(s, board, started, stdin, out, err);
    }
  }
}
