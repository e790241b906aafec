package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.Wire;
import amoeba.servers.coord.Algorithm;
import amoeba.servers.coord.CoordCommand;
import amoeba.servers.coord.CoordNode;
import amoeba.servers.coord.Grant;
import amoeba.servers.coord.LockClient;
import amoeba.servers.coord.LockStatus;
import amoeba.servers.coord.RemoteLock;
import amoeba.servers.coord.central.LockServer;
import amoeba.ipc.rpc.RpcMessage;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba lock hold NAME --algo central|ring|ricart [--on BOARD] [--seconds S] [-- CMD...]}
 * and {@code amoeba lock status NAME}; {@code amoeba elect status [GROUP] --on BOARD}. Central
 * locks live at the lock server ("lock"/"pool"); ring and ricart locks are taken by the "coord"
 * participant of the board named with --on, on the caller's behalf.
 */
final class LockCommand {
  private LockCommand() {}

  abstract static class Base {
    @Mixin KernelCli kernel;

    @Option(names = "--algo", defaultValue = "central", description = "central, ring or ricart (default: ${DEFAULT-VALUE}).")
    String algo;

    @Option(names = "--on", paramLabel = "BOARD", description = "The board whose coord participant takes a ring/ricart lock.")
    String on;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    Algorithm algorithm() {
      try {
        return Algorithm.parse(algo);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }

    Capability server(byte[] key, Algorithm a) {
      if (a == Algorithm.CENTRAL) {
        return BoardPorts.owner(key, LockServer.SERVICE, BoardPorts.POOL);
      }
      if (on == null) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--algo " + algo + " needs --on BOARD");
      }
      return BoardPorts.owner(key, CoordNode.SERVICE, on);
    }
  }

  @Command(name = "lock", description = "Distributed locks: central server, token ring, Ricart-Agrawala.",
      subcommands = {Hold.class, Status.class})
  static final class Group {}

  @Command(name = "hold", description = "Hold a lock while a local command runs, or for --seconds.")
  static final class Hold extends Base implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "The lock's name.")
    String name;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "Run this (after --) while holding the lock.")
    List<String> command = List.of();

    @Option(names = "--seconds", defaultValue = "0", description = "Hold this long when no command is given.")
    double seconds;

    @Option(names = "--wait-seconds", defaultValue = "60", description = "Give up waiting after this long (default: ${DEFAULT-VALUE}).")
    double waitSeconds;

    @Option(names = "--lease-ms", defaultValue = "10000", description = "Lease, renewed while held (default: ${DEFAULT-VALUE}).")
    int leaseMs;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      Algorithm a = algorithm();
      try (KernelCli.Session s = kernel.open();
          RemoteLock lock = new RemoteLock(new LockClient(s.rpc::trans, kernel.timeoutMs * 1_000_000L),
              server(s.key, a), a, "cli pid " + ProcessHandle.current().pid(), leaseMs, new SecureRandom())) {
        Optional<Grant> g;
        try {
          g = lock.acquire(name, (long) (waitSeconds * 1e9));
        } catch (RpcException | IllegalArgumentException e) {
          throw new CliFailure("lock " + name + ": " + e.getMessage(), e);
        }
        if (g.isEmpty()) {
          throw new CliFailure("lock " + name + ": not granted within " + waitSeconds + " s");
        }
        out.println("holding " + name + " (" + a.cliName() + ") fence " + g.get().fence());
        out.flush();
        int status = 0;
        try {
          if (!command.isEmpty()) {
            Process p = new ProcessBuilder(command).inheritIO()
                .redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
            p.getOutputStream().close();
            status = p.waitFor();
          } else {
            Thread.sleep((long) (seconds * 1000));
          }
        } finally {
          lock.release(g.get());
        }
        out.println("released " + name + (lock.lost() ? " (the lease had been lost)" : ""));
        return status;
      } catch (RpcException e) {
        throw new CliFailure("lock " + name + ": " + e.getMessage(), e);
      }
    }
  }

  @Command(name = "status", description = "Who holds a lock, its fence, lease and queue.")
  static final class Status extends Base implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "The lock's name.")
    String name;

    @Option(names = "--json", description = "One JSON object.")
    boolean json;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      Algorithm a = algorithm();
      try (KernelCli.Session s = kernel.open()) {
        LockStatus st;
        try {
          st = new LockClient(s.rpc::trans, kernel.timeoutMs * 1_000_000L).status(server(s.key, a), a, name);
        } catch (RpcException e) {
          throw new CliFailure("lock " + name + ": " + e.getMessage(), e);
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", name);
        v.put("algo", a.cliName());
        v.put("held", st.held() ? "yes" : "no");
        v.put("holder", st.holder());
        v.put("fence", st.fence());
        v.put("lease_left_ms", st.leaseLeftMillis());
        v.put("waiting", st.waiting());
        v.put("messages", st.messages());
        v.put("entries", st.entries());
        if (json) {
          out.println(KernelCli.json(v));
        } else {
          v.forEach((k, x) -> out.println(k + ": " + x));
        }
        out.flush();
      }
      return 0;
    }
  }

  @Command(name = "elect", description = "Leader elections (Bully and the group election).",
      subcommands = {ElectStatus.class})
  static final class Elect {}

  @Command(name = "status", description = "The leaders a board's coord participant knows, with their terms.")
  static final class ElectStatus implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(index = "0", arity = "0..1", defaultValue = CoordNode.BULLY_GROUP, paramLabel = "GROUP",
        description = "The election group (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(names = "--on", required = true, paramLabel = "BOARD", description = "The board to ask.")
    String on;

    @Option(names = "--json", description = "One JSON object.")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KernelCli.Session s = kernel.open()) {
        RpcMessage reply = s.rpc.trans(new RpcMessage().capability(BoardPorts.owner(s.key, CoordNode.SERVICE, on))
            .command(CoordCommand.ELECT_STATUS.code()).data(new Wire.Out().str(group).buffer()),
            kernel.timeoutMs * 1_000_000L);
        if (!reply.ok()) {
          throw KernelCli.failure(on, new RpcException(reply.status(), "ELECT_STATUS"));
        }
        Wire.In in = new Wire.In(reply.data());
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("group", group);
        v.put("bully_leader", in.str());
        v.put("bully_term", in.i64());
        v.put("group_leader", in.str());
        v.put("group_term", in.i64());
        if (json) {
          out.println(KernelCli.json(v));
        } else {
          v.forEach((k, x) -> out.println(k + ": " + x));
        }
        out.flush();
      } catch (Wire.Malformed e) {
        throw new CliFailure("board " + on + ": malformed ELECT_STATUS reply", e);
      }
      return 0;
    }
  }
}
