package amoeba.servers.run;

import amoeba.capabilities.Port;
import amoeba.kernel.api.PoolAuthority;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.server.SysClient;
import amoeba.servers.BoardList;
import amoeba.servers.directory.DirectoryBoardList;
import amoeba.servers.directory.DirectoryClient;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The system program {@code run} ({@code builtin:run}, {@code amoeba boot --service 'run b1 b2
 * b3'}): serves the run server at get-port ("run", "pool") and polls the boards on its main
 * thread until killed. Arguments: {@code [--poll-ms N] [--near-best F] [BOARD...]}: the boards
 * to place on, or, without any, the boards published under /pool in the directory (so boards
 * that join later are used too).
 */
public final class RunProgram implements Program {
  public static final String SERVICE = "run";
  /** Default time between two polls of every board. */
  public static final int DEFAULT_POLL_MS = 1000;
  /** Time a board's sys server has to answer a poll; a board exec has the RPC default. */
  static final long PROBE_TIMEOUT_NANOS = 1_000_000_000L;
  static final long EXEC_TIMEOUT_NANOS = 10_000_000_000L;
  static final int SERVER_THREADS = 4;

  @Override
  public int run(ProcessContext ctx) throws Exception {
    PoolAuthority authority = ctx.authority();
    if (authority == null) {
      ctx.stderr().println("run: a system program (builtin:run): it needs the pool authority");
      return 2;
    }
    int pollMs = DEFAULT_POLL_MS;
    double nearBest = Placement.DEFAULT_NEAR_BEST;
    List<String> boards = new ArrayList<>();
    try {
      for (int i = 0; i < ctx.args().size(); i++) {
        String a = ctx.args().get(i);
        switch (a) {
          case "--poll-ms" -> pollMs = Integer.parseInt(ctx.args().get(++i));
          case "--near-best" -> nearBest = Double.parseDouble(ctx.args().get(++i));
          default -> boards.add(a);
        }
      }
      if (pollMs < 10) {
        throw new IllegalArgumentException("--poll-ms >= 10");
      }
    } catch (RuntimeException e) {
      ctx.stderr().println("usage: run [--poll-ms N] [--near-best 0..1] BOARD... (" + e.getMessage() + ")");
      return 2;
    }
    Port getPort = authority.getPort(SERVICE, BoardPorts.POOL);
    BoardMonitor monitor = new BoardMonitor(boardList(boards, ctx),
        BoardMonitor.sysServers(new SysClient(ctx.ipc()::trans, PROBE_TIMEOUT_NANOS),
            b -> authority.owner(BoardPorts.SYS, b)));
    RunServer server = new RunServer(getPort, monitor, new Placement(nearBest, Placement.DEFAULT_MEMORY_CAP_MIB),
        new ProcessClient(ctx.ipc()::trans, EXEC_TIMEOUT_NANOS), b -> authority.owner(BoardPorts.PROCESS, b),
        new SecureRandom());
    server.serve(ctx.ipc().serve(getPort), SERVER_THREADS);
    ctx.stdout().println("run server on " + ctx.board() + " polling "
        + (boards.isEmpty() ? "the boards under /pool" : boards) + " every " + pollMs + " ms");
    try {
      monitor.ensurePolled(); // a RUN may have polled first: a second poll now would forget its placement
      while (!Thread.currentThread().isInterrupted()) {
        Thread.sleep(pollMs);
        monitor.pollAll();
      }
    } catch (InterruptedException e) {
      // killed: stop serving
    } finally {
      server.stop();
    }
    return 0;
  }

  /** The boards to place on: the arguments, else the names under /pool. */
  static BoardList boardList(List<String> boards, ProcessContext ctx) {
    return boards.isEmpty()
        ? new DirectoryBoardList(new DirectoryClient(ctx.root(), ctx.ipc(), PROBE_TIMEOUT_NANOS))
        : BoardList.of(boards);
  }
}
