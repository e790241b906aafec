package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.server.ProcessInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Attaches the terminal to a started process, for {@code amoeba exec} and {@code amoeba run}:
 * forwards stdin (or closes the program's stdin at once), long-polls READ_OUTPUT and prints the
 * output live, and returns the process's exit status once it finished and everything is printed.
 */
final class ProcessStream {
  /** How long one long-poll waits on the board for news. */
  static final int POLL_MS = 1000;

  private ProcessStream() {}

  /** @return the process's exit status (137 when killed) */
  static int attach(KernelCli.Session s, String board, ProcessClient.Started started, boolean forwardStdin,
      PrintWriter out, PrintWriter err) {
    Thread forwarder = null;
    if (forwardStdin) {
      forwarder = forward(s, started, System.in);
    } else {
      try {
        s.processes.writeStdin(started.capability(), 0, new byte[0], true);
      } catch (RpcException e) {
        // it finished already: nothing to close
      }
    }
    try {
      return follow(s, board, s.processServer(board), started.pid(), out, err);
    } finally {
      if (forwarder != null) {
        forwarder.interrupt();
      }
    }
  }

  /** Long-polls the output until the process finished and all of it is printed. */
  private static int follow(KernelCli.Session s, String board, Capability server, int pid, PrintWriter out,
      PrintWriter err) {
    long o = 0;
    long e = 0;
    while (true) {
      ProcessClient.Output chunk;
      try {
        // the server's capability and the pid: still valid after a kill revoked the process's
        chunk = s.processes.readOutput(server, pid, o, e, POLL_MS);
      } catch (RpcException x) {
        throw KernelCli.failure(board, x);
      }
      if (chunk.out().length > 0) {
        out.print(new String(chunk.out(), StandardCharsets.UTF_8));
        out.flush();
      }
      if (chunk.err().length > 0) {
        err.print(new String(chunk.err(), StandardCharsets.UTF_8));
        err.flush();
      }
      o = chunk.outEnd();
      e = chunk.errEnd();
      ProcessInfo info = chunk.info();
      if (info.state().finished() && chunk.out().length == 0 && chunk.err().length == 0) {
        return info.exitStatus();
      }
    }
  }

  private static Thread forward(KernelCli.Session s, ProcessClient.Started p, InputStream in) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 << 10];
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          byte[] bytes = Arrays.copyOf(buffer, n);
          while (true) {
            try {
              s.processes.writeStdin(p.capability(), 0, bytes, false);
              break;
            } catch (RpcException e) {
              if (e.status() != ErrorCode.NOTNOW.code()) {
                return; // finished or killed: stop forwarding
              }
              Thread.onSpinWait();
            }
          }
        }
        s.processes.writeStdin(p.capability(), 0, new byte[0], true);
      } catch (IOException | RpcException e) {
        // stdin gone or the process finished: nothing more to forward
      }
    }, "stdin-forwarder");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
