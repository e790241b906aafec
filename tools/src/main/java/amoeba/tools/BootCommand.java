package amoeba.tools;

import amoeba.capabilities.CapabilityException;
import amoeba.flip.net.Network;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.kernel.BoardConfig;
import amoeba.kernel.Kernel;
import amoeba.kernel.process.ProgramLoader;
import amoeba.boards.BoardPrograms;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba boot --name b1}: one board in the foreground (what a Pi's systemd unit runs).
 * Prints "ready NAME" once its servers answer; stops on SIGTERM/SIGINT or the sys server's
 * SHUTDOWN.
 */
@Command(name = "boot", description = {
    "Run one board in the foreground; prints 'ready NAME' once its servers answer.",
    "Its process and sys servers listen on ports derived from the pool key and NAME."})
final class BootCommand implements Callable<Integer> {
  @Mixin NetworkOptions net;

  @Option(names = "--name", required = true, description = "The board's name in the pool.")
  String name;

  @Option(names = "--board", defaultValue = "emulated", description = "Board model (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--data", paramLabel = "DIR", description = "The board's data folder.")
  Path data;

  @Option(names = "--server-threads", defaultValue = "8", description = "Threads of the process server (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--service", paramLabel = "'NAME [ARG...]'",
      description = "A system server to start once the board is up (repeatable), e.g. --service 'dir b1 b2 b3'.")
  List<String> services = new ArrayList<>();

  @Option(names = "--boards", split = ",", paramLabel = "B1,B2,...",
      description = "The pool's boards: this board watches the others and notices one that stops answering.")
  List<String> boards = new ArrayList<>();

  @Option(names = "--fail-ms", defaultValue = "3000",
      description = "A watched board is down after this long without an answer (default: ${DEFAULT-VALUE}).")
  long failMs;

  @Option(names = "--chaos", paramLabel = "DIR", hidden = true,
      description = "An emulated pool's chaos folder: apply the faults it names (see ChaosAgent).")
  Path chaos;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    BoardConfig config;
    ChaosAgent agent = null;
    try {
      Network network = net.openNetwork();
      if (chaos != null) {
        agent = ChaosAgent.start(network, chaos, name, new java.security.SecureRandom().nextLong());
        network = agent.network();
      }
      config = new BoardConfig(name, model, net.boxConfig(), List.of(network), data,
          RpcConfig.defaults(), threads, BoardPrograms.forBoards());
    } catch (IOException e) {
      throw new CliFailure("cannot open the network: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new CliFailure(e.getMessage(), e);
    }
    Kernel kernel;
    try {
      kernel = Kernel.boot(config);
    } catch (IllegalStateException e) {
      throw new CliFailure(e.getMessage(), e);
    }
    for (String service : services) {
      List<String> words = List.of(service.trim().split("\\s+"));
      try {
        kernel.startService(words.get(0), words.subList(1, words.size()));
      } catch (ProgramLoader.ProgramException | CapabilityException e) {
        kernel.close();
        throw new CliFailure("service " + words.get(0) + ": " + e.getMessage(), e);
      }
    }
    if (!boards.isEmpty()) {
      List<String> pool = List.copyOf(boards);
      long fail = failMs * 1_000_000L;
      kernel.watch(() -> pool, Math.max(fail / 3, 1), fail);
    }
    Thread hook = new Thread(kernel::close, "shutdown-hook");
    Runtime.getRuntime().addShutdownHook(hook);
    out.println("ready " + name);
    out.flush();
    while (!kernel.awaitStop(1, TimeUnit.HOURS)) {
      // a board runs until stopped
    }
    if (agent != null) {
      agent.close();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down already
    }
    return 0;
  }
}
