package amoeba.servers.directory;

import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import amoeba.kernel.server.BoardPorts;
import java.util.Map;

/**
 * The system program "publish": enters this board in the namespace as /pool/BOARD, a directory
 * with rows "proc" (its process server) and "sys" (its sys server), retrying ({@link
 * Publisher}) until the directory answers; then waits, and withdraws both rows when it is
 * stopped (the board's clean shutdown stops its processes through the
 * kernel's shutdown hook first, while RPC still works). A board killed with -9 leaves its
 * rows behind: the next publish of the same board replaces them.
 */
public final class Publish implements Program {
  static final long TIMEOUT_NANOS = 5_000_000_000L;

  @Override
  public int run(ProcessContext ctx) throws Exception {
    if (ctx.authority() == null) {
      ctx.stderr().println("publish: only a board runs this (builtin:publish)");
      return 2;
    }
    String board = ctx.board();
    Publisher pool = new Publisher(new DirectoryClient(ctx.root(), ctx.ipc(), TIMEOUT_NANOS), "/pool/" + board,
        Map.of("proc", ctx.authority().owner(BoardPorts.PROCESS, board),
            "sys", ctx.authority().owner(BoardPorts.SYS, board)));
    pool.enterRetrying();
    ctx.stdout().println("published /pool/" + board);
    try {
      while (true) {
        Thread.sleep(60_000);
      }
    } catch (InterruptedException stopping) {
      Thread.interrupted(); // clear it so the withdrawing trans are not aborted
      pool.withdraw();
    }
    return 0;
  }
}
