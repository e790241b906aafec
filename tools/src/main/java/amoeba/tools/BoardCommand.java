package amoeba.tools;

import amoeba.ipc.rpc.RpcException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amoeba board info B}, {@code amoeba board load B}, {@code amoeba board shutdown B}. */
@Command(name = "board", description = "Ask a board's sys server.",
    subcommands = {BoardCommand.Info.class, BoardCommand.Load.class, BoardCommand.Peers.class, BoardCommand.Shutdown.class})
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
}
