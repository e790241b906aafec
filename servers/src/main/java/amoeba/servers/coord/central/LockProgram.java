package amoeba.servers.coord.central;

import amoeba.capabilities.Port;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import amoeba.kernel.server.BoardPorts;

/**
 * The system program "lock": runs the {@link LockServer} at the pool-wide port ("lock",
 * "pool") with its fence reservation in the program's storage, until killed. Run it on one
 * board; the boot server restarts it (elsewhere too: only the grace period is lost, see
 * LockTable).
 */
public final class LockProgram implements Program {
  @Override
  public int run(ProcessContext ctx) throws Exception {
    if (ctx.authority() == null) {
      ctx.stderr().println("lock: needs the pool authority (run as builtin:lock)");
      return 2;
    }
    Port getPort = ctx.authority().getPort(LockServer.SERVICE, BoardPorts.POOL);
    LockServer server = new LockServer(getPort, ctx.storage());
    server.serve(ctx.ipc().serve(getPort), LockServer.THREADS);
    ctx.stdout().println("lock server ready");
    try {
      Thread.sleep(Long.MAX_VALUE); // serve until killed (interrupted)
    } catch (InterruptedException e) {
      return 0;
    } finally {
      server.stop();
    }
    return 0;
  }
}
