package amoeba.kernel.server;

import amoeba.capabilities.Capability;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Client stubs of a sys server. */
public final class SysClient {
  private final Transactions rpc;
  private final long timeoutNanos;

  public SysClient(Rpc rpc, long timeoutNanos) {
    this(rpc::trans, timeoutNanos);
  }

  /** Over a process's IPC or any other carrier of transactions. */
  public SysClient(Transactions rpc, long timeoutNanos) {
    this.rpc = rpc;
    this.timeoutNanos = timeoutNanos;
  }

  private Map<String, String> call(Capability cap, SysCommand command) throws RpcException {
    RpcMessage reply = rpc.trans(new RpcMessage().capability(cap).command(command.code()), timeoutNanos);
    if (!reply.ok()) {
      throw new RpcException(reply.status(), command.name());
    }
    byte[] b = new byte[reply.dataLength()];
    reply.data().get(reply.data().position(), b);
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return values;
  }

  public Map<String, String> info(Capability board) throws RpcException {
    return call(board, SysCommand.INFO);
  }

  public Map<String, String> load(Capability board) throws RpcException {
    return call(board, SysCommand.LOAD);
  }

  /** The board's view of its peers: name -> "up MS" or "down MS" (ms since the last answer). */
  public Map<String, String> peers(Capability board) throws RpcException {
    return call(board, SysCommand.PEERS);
  }

  /** Stops the board (owner capability only). */
  public void shutdown(Capability owner) throws RpcException {
    call(owner, SysCommand.SHUTDOWN);
  }
}
