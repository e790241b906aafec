package amoeba.servers.bullet;

import amoeba.capabilities.Port;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * The system program {@code builtin:bullet}: this board's Bullet server, on the get-port
 * {@code authority().getPort("bullet", board)}, storing under the program's storage folder.
 * Arguments (all optional): {@code threads=N} (default 4), {@code max-uncommitted=N},
 * {@code uncommitted-timeout-s=N}, {@code lifetime=N} (see {@link BulletServer.Config}). Runs
 * until killed; sweeps abandoned uncommitted files every second.
 */
public final class BulletProgram implements Program {
  private static final long SWEEP_MILLIS = 1000;

  @Override
  public int run(ProcessContext ctx) throws Exception {
    Path storage = ctx.storage();
    if (storage == null || ctx.authority() == null) {
      ctx.stderr().println("bullet: needs a board data folder (amoeba boot --data DIR) and the pool authority");
      return 2;
    }
    BulletServer.Config d = BulletServer.Config.defaults();
    int threads = 4;
    int maxUncommitted = d.maxUncommitted();
    long timeoutNanos = d.uncommittedTimeoutNanos();
    int lifetime = d.maxLifetime();
    for (String arg : ctx.args()) {
      String[] kv = arg.split("=", 2);
      try {
        switch (kv.length == 2 ? kv[0] : "") {
          case "threads" -> threads = Integer.parseInt(kv[1]);
          case "max-uncommitted" -> maxUncommitted = Integer.parseInt(kv[1]);
          case "uncommitted-timeout-s" -> timeoutNanos = Long.parseLong(kv[1]) * 1_000_000_000L;
          case "lifetime" -> lifetime = Integer.parseInt(kv[1]);
          default -> {
            ctx.stderr().println("bullet: unknown argument " + arg
                + " (threads=N, max-uncommitted=N, uncommitted-timeout-s=N, lifetime=N)");
            return 2;
          }
        }
      } catch (NumberFormatException e) {
        ctx.stderr().println("bullet: not a number in " + arg);
        return 2;
      }
    }
    Port getPort = ctx.authority().getPort(BulletServer.SERVICE, ctx.board());
    BulletServer server = new BulletServer(storage, getPort,
        new BulletServer.Config(maxUncommitted, timeoutNanos, lifetime, d.maxFileBytes()),
        new SecureRandom(), System::nanoTime);
    server.serve(ctx.ipc().serve(getPort), threads);
    ctx.stdout().println("bullet server of " + ctx.board() + ": " + server.committedFiles() + " files");
    try {
      while (!Thread.currentThread().isInterrupted()) {
        Thread.sleep(SWEEP_MILLIS);
        server.sweep();
      }
    } catch (InterruptedException e) {
      // killed: stop serving
    } finally {
      server.stop();
    }
    return 0;
  }
}
