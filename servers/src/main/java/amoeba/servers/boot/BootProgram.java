package amoeba.servers.boot;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.api.PoolAuthority;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.server.ProcessInfo;
import amoeba.kernel.server.Transactions;
import amoeba.servers.run.RunClient;
import amoeba.servers.run.RunProgram;
import java.security.SecureRandom;

/**
 * The system program {@code boot} ({@code builtin:boot}, {@code amoeba boot --service boot}):
 * the boot server at get-port ("boot", "pool"). It reloads its state from its storage folder
 * (in memory on a board without a data folder: then a restart forgets the services), adopts the
 * instances that still answer, then ticks its {@link Supervisor} every {@code --tick-ms}
 * (default 100) on its main thread until killed. It starts programs through the run server.
 */
public final class BootProgram implements Program {
  public static final String SERVICE = "boot";
  static final int DEFAULT_TICK_MS = 100;
  /** How long a liveness poll may take: a silent board must not stall the other services long. */
  static final long POLL_TIMEOUT_NANOS = 2_000_000_000L;
  /** How long a placement may take (the run server execs on the board within it). */
  static final long RUN_TIMEOUT_NANOS = 15_000_000_000L;

  @Override
  public int run(ProcessContext ctx) throws Exception {
    PoolAuthority authority = ctx.authority();
    if (authority == null) {
      ctx.stderr().println("boot: a system program (builtin:boot): it needs the pool authority");
      return 2;
    }
    int tickMs = DEFAULT_TICK_MS;
    if (ctx.args().size() == 2 && ctx.args().get(0).equals("--tick-ms")) {
      tickMs = Integer.parseInt(ctx.args().get(1));
    } else if (!ctx.args().isEmpty()) {
      ctx.stderr().println("usage: boot [--tick-ms N]");
      return 2;
    }
    BootStore store = ctx.storage() == null
        ? BootStore.inMemory() : new FileBootStore(ctx.storage().resolve("services.state"));
    if (ctx.storage() == null) {
      ctx.stderr().println("boot: this board has no data folder: the services are kept in memory only");
    }
    Supervisor supervisor = supervisor(ctx.ipc()::trans, store, authority.owner(RunProgram.SERVICE, BoardPorts.POOL),
        System::currentTimeMillis);
    supervisor.recover();
    Port getPort = authority.getPort(SERVICE, BoardPorts.POOL);
    BootServer server = new BootServer(getPort, supervisor, new SecureRandom());
    server.serve(ctx.ipc().serve(getPort), 2);
    ctx.stdout().println("boot server on " + ctx.board() + ": " + supervisor.services().size() + " service(s)");
    try {
      while (!Thread.currentThread().isInterrupted()) {
        supervisor.tick();
        Thread.sleep(tickMs);
      }
    } catch (InterruptedException e) {
      // killed: stop serving; the instances run on
    } finally {
      server.stop();
    }
    return 0;
  }

  /**
   * A supervisor whose instances are started by the run server at {@code runServer} and polled
   * with STATUS on their process capabilities, over {@code rpc}.
   */
  public static Supervisor supervisor(Transactions rpc, BootStore store, Capability runServer,
      java.util.function.LongSupplier clockMs) {
    // STATUS adds 10 s of slack for its wait: cap each poll so a silent board costs POLL_TIMEOUT
    Transactions capped = (rq, t) -> rpc.trans(rq, Math.min(t, POLL_TIMEOUT_NANOS));
    ProcessClient processes = new ProcessClient(capped, POLL_TIMEOUT_NANOS);
    RunClient run = new RunClient(rpc, RUN_TIMEOUT_NANOS);
    return new Supervisor(store, launch -> run.run(runServer, launch), i -> liveness(processes, i),
        i -> {
          try {
            processes.kill(i.capability(), 0);
          } catch (RpcException e) {
            // gone already, or its board is: nothing to stop
          }
        }, clockMs);
  }

  static Supervisor.Finding liveness(ProcessClient processes, Supervisor.Instance i) {
    try {
      ProcessInfo info = processes.status(i.capability(), 0, 0);
      return info.state().finished()
          ? new Supervisor.Finding(Supervisor.Health.DEAD, info.state() + " " + info.exitStatus())
          : new Supervisor.Finding(Supervisor.Health.ALIVE, "");
    } catch (RpcException e) {
      ErrorCode code = e.code().orElse(ErrorCode.SYSERR);
      if (code == ErrorCode.TRYAGAIN || code == ErrorCode.NOTNOW) {
        return new Supervisor.Finding(Supervisor.Health.UNKNOWN, e.getMessage());
      }
      String why = code == ErrorCode.CAPBAD || code == ErrorCode.NO_SUCH_OBJECT
          ? "its capability is void (killed, or forgotten by its board)"
          : code.isRpcLevel() ? "its board does not answer" : "STATUS failed";
      return new Supervisor.Finding(Supervisor.Health.DEAD, why + " (" + code.name() + ")");
    }
  }
}
