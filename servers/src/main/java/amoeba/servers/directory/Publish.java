package amoeba.servers.directory;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import amoeba.kernel.server.BoardPorts;
import java.util.List;

/**
 * The system program "publish": enters this board in the namespace as /pool/BOARD, a directory
 * with rows "proc" (its process server) and "sys" (its sys server), retrying with bounded
 * backoff (100 ms doubling to 5 s) until the directory answers; then waits, and withdraws both
 * rows when it is stopped (the board's clean shutdown stops its processes through the
 * kernel's shutdown hook first, while RPC still works). A board killed with -9 leaves its
 * rows behind: the next publish of the same board replaces them.
 */
public final class Publish implements Program {
  static final long TIMEOUT_NANOS = 5_000_000_000L;
  static final long FIRST_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 5_000;

  @Override
  public int run(ProcessContext ctx) throws Exception {
    if (ctx.authority() == null) {
      ctx.stderr().println("publish: only a board runs this (builtin:publish)");
      return 2;
    }
    DirectoryClient dir = new DirectoryClient(ctx.root(), ctx.ipc(), TIMEOUT_NANOS);
    String board = ctx.board();
    Capability proc = ctx.authority().owner(BoardPorts.PROCESS, board);
    Capability sys = ctx.authority().owner(BoardPorts.SYS, board);
    long backoff = FIRST_BACKOFF_MS;
    while (true) {
      try {
        enter(dir, board, proc, sys);
        ctx.stdout().println("published /pool/" + board);
        break;
      } catch (RpcException e) {
        // Not answering yet (NOTFOUND, NOTNOW while catching up): wait and try again.
        Thread.sleep(backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
    try {
      while (true) {
        Thread.sleep(60_000);
      }
    } catch (InterruptedException stopping) {
      Thread.interrupted(); // clear it so the withdrawing trans are not aborted
      withdraw(dir, board);
    }
    return 0;
  }

  static void enter(DirectoryClient dir, String board, Capability proc, Capability sys) throws RpcException {
    String home = "/pool/" + board;
    try {
      dir.mkdir(home);
    } catch (RpcException e) {
      if (e.status() != ErrorCode.EXISTS.code()) {
        throw e;
      }
    }
    put(dir, home + "/proc", proc);
    put(dir, home + "/sys", sys);
  }

  private static void put(DirectoryClient dir, String path, Capability cap) throws RpcException {
    CapabilitySet set = CapabilitySet.of(cap);
    dir.install(dir.root(), List.of(new DirectoryClient.InstallItem(path, false, null, set)));
  }

  /** Removes the rows and the board's directory; best effort (the directory may be gone). */
  static void withdraw(DirectoryClient dir, String board) {
    String home = "/pool/" + board;
    try {
      dir.install(dir.root(), List.of(
          new DirectoryClient.InstallItem(home + "/proc", false, null, null),
          new DirectoryClient.InstallItem(home + "/sys", false, null, null)));
    } catch (RpcException e) {
      // gone already, or no directory: nothing to withdraw
    }
    try {
      CapabilitySet d = dir.lookup(home);
      dir.remove(home);
      dir.destroy(d.first());
    } catch (RpcException e) {
      // best effort
    }
  }
}
