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
import amoeba.servers.bullet.BulletClient;
import amoeba.servers.bullet.BulletServer;
import amoeba.servers.bullet.BulletServers;
import amoeba.servers.bullet.ReplicaRepair;
import amoeba.servers.directory.CapabilitySet;
import amoeba.servers.directory.DirectoryBoardList;
import amoeba.servers.directory.DirectoryClient;
import amoeba.servers.run.RunClient;
import amoeba.servers.run.RunProgram;
import java.security.SecureRandom;
import java.util.List;
import org.tinylog.Logger;

/**
 * The system program {@code boot} ({@code builtin:boot}, {@code amoeba boot --service boot}):
 * the boot server at get-port ("boot", "pool"). Arguments: {@code [--tick-ms N] [--store
 * auto|directory|file] [--replicas K] [--repair-s N] [--wait-ms N]}.
 *
 * <p>Its state lives in the directory ({@link DirectoryBootStore}: a Bullet file named at
 * /services/boot, so a boot server restarted on any board finds its services) when the pool
 * has a directory and a Bullet server; else in a file of its storage folder ({@link
 * FileBootStore}; in memory on a board without a data folder). {@code --store auto} (the
 * default) waits up to {@code --wait-ms} (10000) for the directory and a Bullet server under
 * /pool to answer, {@code directory} waits for them as long as it takes, {@code file} does not
 * ask. The choice is printed on stdout. With the directory store it also runs a {@link
 * ReplicaRepair} pass over /bin, /home and /services every {@code --repair-s} (60; 0: never) on
 * a thread of its own, and stops if another boot server takes over the state.
 *
 * <p>It reloads the state, adopts the instances that still answer, then ticks its {@link
 * Supervisor} every {@code --tick-ms} (default 100) on its main thread until killed. It starts
 * programs through the run server.
 */
public final class BootProgram implements Program {
  public static final String SERVICE = "boot";
  static final int DEFAULT_TICK_MS = 100;
  /** How long a liveness poll may take: a silent board must not stall the other services long. */
  static final long POLL_TIMEOUT_NANOS = 2_000_000_000L;
  /** How long a placement may take (the run server execs on the board within it). */
  static final long RUN_TIMEOUT_NANOS = 15_000_000_000L;
  /** Per call to the directory and to Bullet for the state (a small file). */
  static final long STORE_TIMEOUT_NANOS = 5_000_000_000L;
  static final int DEFAULT_WAIT_MS = 10_000;
  static final int DEFAULT_REPAIR_S = 60;
  static final int DEFAULT_REPLICAS = 2;

  /** Where the state is kept. */
  enum StoreChoice { AUTO, DIRECTORY, FILE }

  record Options(int tickMs, StoreChoice store, int replicas, int repairS, int waitMs) {
    static Options parse(List<String> args) {
      int tickMs = DEFAULT_TICK_MS;
      StoreChoice store = StoreChoice.AUTO;
      int replicas = DEFAULT_REPLICAS;
      int repairS = DEFAULT_REPAIR_S;
      int waitMs = DEFAULT_WAIT_MS;
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        String v = args.get(++i);
        switch (a) {
          case "--tick-ms" -> tickMs = Integer.parseInt(v);
          case "--store" -> store = StoreChoice.valueOf(v.toUpperCase(java.util.Locale.ROOT));
          case "--replicas" -> replicas = Integer.parseInt(v);
          case "--repair-s" -> repairS = Integer.parseInt(v);
          case "--wait-ms" -> waitMs = Integer.parseInt(v);
          default -> throw new IllegalArgumentException("unknown option " + a);
        }
      }
      if (tickMs < 1 || replicas < 1 || replicas > CapabilitySet.MAX || repairS < 0 || waitMs < 0) {
        throw new IllegalArgumentException("--tick-ms >= 1, --replicas 1.." + CapabilitySet.MAX + ", --repair-s >= 0, --wait-ms >= 0");
      }
      return new Options(tickMs, store, replicas, repairS, waitMs);
    }
  }

  @Override
  public int run(ProcessContext ctx) throws Exception {
    PoolAuthority authority = ctx.authority();
    if (authority == null) {
      ctx.stderr().println("boot: a system program (builtin:boot): it needs the pool authority");
      return 2;
    }
    Options o;
    try {
      o = Options.parse(ctx.args());
    } catch (IllegalArgumentException e) {
      ctx.stderr().println("usage: boot [--tick-ms N] [--store auto|directory|file] [--replicas K] [--repair-s N]"
          + " [--wait-ms N] (" + e.getMessage() + ")");
      return 2;
    }
    BootStore local = ctx.storage() == null
        ? BootStore.inMemory() : new FileBootStore(ctx.storage().resolve("services.state"));
    String localName = ctx.storage() == null
        ? "memory only (this board has no data folder)" : ctx.storage().resolve("services.state").toString();
    DirectoryClient dir = new DirectoryClient(ctx.root(), ctx.ipc(), STORE_TIMEOUT_NANOS);
    BulletServers servers = BulletServers.of(new DirectoryBoardList(dir),
        b -> authority.owner(BulletServer.SERVICE, b), new SecureRandom());
    try (BulletClient bullet = new BulletClient(ctx.ipc()::trans,
            new BulletClient.Options(256 << 10, 1, STORE_TIMEOUT_NANOS));
        BulletClient copier = new BulletClient(ctx.ipc()::trans, BulletClient.Options.defaults())) {
      String missing = o.store() == StoreChoice.FILE ? "--store file" : awaitPool(dir, bullet, servers, o, ctx);
      DirectoryBootStore inDirectory = missing == null
          ? new DirectoryBootStore(dir, bullet, servers, o.replicas(), local) : null;
      ctx.stdout().println(inDirectory != null
          ? "boot: state in the directory at " + DirectoryBootStore.PATH + " (a Bullet file, " + o.replicas() + " replicas)"
          : "boot: state in " + localName + " (" + missing + ")");
      BootStore store = inDirectory != null ? inDirectory : local;
      Supervisor supervisor = supervisor(ctx.ipc()::trans, store, authority.owner(RunProgram.SERVICE, BoardPorts.POOL),
          System::currentTimeMillis);
      supervisor.recover();
      Port getPort = authority.getPort(SERVICE, BoardPorts.POOL);
      BootServer server = new BootServer(getPort, supervisor, new SecureRandom());
      server.serve(ctx.ipc().serve(getPort), 2);
      ctx.stdout().println("boot server on " + ctx.board() + ": " + supervisor.services().size() + " service(s)");
      Thread repair = inDirectory != null && o.repairS() > 0
          ? repairs(new ReplicaRepair(dir, copier, servers), o.repairS() * 1000L, ctx) : null;
      try {
        while (!Thread.currentThread().isInterrupted()) {
          if (inDirectory != null && inDirectory.superseded()) {
            ctx.stderr().println("boot: another boot server wrote " + DirectoryBootStore.PATH + ": it keeps the services; stopping");
            return 1;
          }
          supervisor.tick();
          Thread.sleep(o.tickMs());
        }
      } catch (InterruptedException e) {
        // killed: stop serving; the instances run on
      } finally {
        server.stop();
        if (repair != null) {
          repair.interrupt();
        }
      }
    }
    return 0;
  }

  /**
   * Waits (--store directory: as long as it takes; auto: up to --wait-ms) until the directory
   * answers and a Bullet server of a board under /pool does.
   *
   * @return null once they do, else what is missing
   */
  private static String awaitPool(DirectoryClient dir, BulletClient bullet, BulletServers servers, Options o,
      ProcessContext ctx) throws InterruptedException {
    long deadline = System.nanoTime() + o.waitMs() * 1_000_000L;
    long backoffMs = 100;
    boolean said = false;
    while (true) {
      String missing;
      try {
        dir.lookup("/services");
        missing = servers.list().stream().anyMatch(bullet::answers) ? null : "no Bullet server under /pool answers";
      } catch (RpcException e) {
        missing = "the directory does not answer: " + e.getMessage();
      }
      if (missing == null || o.store() == StoreChoice.AUTO && System.nanoTime() - deadline > 0) {
        return missing;
      }
      if (!said && o.store() == StoreChoice.DIRECTORY) {
        ctx.stderr().println("boot: waiting for the directory and a Bullet server (" + missing + ")");
        said = true;
      }
      Thread.sleep(backoffMs);
      backoffMs = Math.min(2000, backoffMs * 2);
    }
  }

  /** A thread running a repair pass every {@code periodMs}, reporting on stdout what it changed. */
  private static Thread repairs(ReplicaRepair repair, long periodMs, ProcessContext ctx) {
    Thread t = new Thread(() -> {
      try {
        while (true) {
          Thread.sleep(periodMs);
          try {
            ReplicaRepair.Report r = repair.pass(ReplicaRepair.DEFAULT_ROOTS);
            if (r.repaired() + r.failed() > 0) {
              ctx.stdout().println("boot: repair pass: " + r + "; " + String.join("; ", r.notes()));
            }
          } catch (RpcException e) {
            Logger.warn("boot: repair pass: {}", e.getMessage());
          }
        }
      } catch (InterruptedException e) {
        // the boot server stops
      }
    }, "boot-repair");
    t.setDaemon(true);
    t.start();
    return t;
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
