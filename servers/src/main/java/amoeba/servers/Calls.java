package amoeba.servers;

import amoeba.capabilities.Capability;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.Transactions;
import amoeba.kernel.server.Wire;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** What the system servers' client stubs share: one call, errors with the server's reason. */
public final class Calls {
  private Calls() {}

  /**
   * One transaction of {@code command} on {@code cap} with {@code data}.
   *
   * @return a reader over a copy of the reply data (the reply itself is the thread's)
   * @throws RpcException with the status and, if the server gave one, its reason
   */
  public static Reply call(Transactions rpc, Capability cap, int command, String name, Wire.Out data,
      long timeoutNanos) throws RpcException {
    RpcMessage reply = rpc.trans(new RpcMessage().capability(cap).command(command).data(data.buffer()), timeoutNanos);
    byte[] bytes = new byte[reply.dataLength()];
    reply.data().get(reply.data().position(), bytes);
    if (!reply.ok()) {
      String why = new String(bytes, StandardCharsets.UTF_8);
      throw new RpcException(reply.status(), name + (why.isEmpty() ? "" : ": " + why));
    }
    return new Reply(reply.capability(), reply.offset(), new Wire.In(ByteBuffer.wrap(bytes)));
  }

  /** A successful reply: the header fields stubs use and the data. */
  public record Reply(Capability capability, int offset, Wire.In data) {}
}
