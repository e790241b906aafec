package amoeba.examples;

import amoeba.capabilities.Port;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;
import amoeba.kernel.api.Checkpointable;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import java.nio.ByteBuffer;

/**
 * A checkpointable counter server on the get-port given as its first argument (12 hex digits):
 * every request increments the counter and the reply carries the new value in its offset field
 * and as 8 bytes of data. Its state is the counter.
 */
public final class Counter implements Program, Checkpointable {
  private volatile long value;

  @Override
  public int run(ProcessContext ctx) {
    if (ctx.args().isEmpty()) {
      ctx.stderr().println("usage: counter GETPORT");
      return 2;
    }
    Port getPort = Port.parse(ctx.args().get(0));
    RpcServer server = ctx.ipc().serve(getPort);
    ctx.stdout().println("counting on " + getPort.putPort() + " from " + value);
    RpcMessage reply = new RpcMessage();
    ByteBuffer data = ByteBuffer.allocate(8);
    while (!Thread.currentThread().isInterrupted()) {
      RpcMessage request = server.getreq(10_000_000L);
      if (request == null) {
        continue; // timeout (10 ms): look at the interrupt flag (kill, or a stun for migration)
      }
      long v = ++value;
      data.clear();
      data.putLong(v).flip();
      reply.clear().offset((int) v).data(data);
      server.putrep(reply);
    }
    return 0; // the kernel closes the server: at once on exit, after the move on a migration
  }

  @Override
  public byte[] checkpoint() {
    return ByteBuffer.allocate(8).putLong(value).array();
  }

  @Override
  public void restore(byte[] state) {
    value = ByteBuffer.wrap(state).getLong();
  }
}
