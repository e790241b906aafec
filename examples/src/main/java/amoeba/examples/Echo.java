package amoeba.examples;

import amoeba.capabilities.Port;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import java.nio.ByteBuffer;

/** An RPC echo server on the get-port given as its first argument: replies with the data sent. */
public final class Echo implements Program {
  @Override
  public int run(ProcessContext ctx) {
    if (ctx.args().isEmpty()) {
      ctx.stderr().println("usage: echo GETPORT");
      return 2;
    }
    Port getPort = Port.parse(ctx.args().get(0));
    RpcServer server = ctx.ipc().serve(getPort);
    ctx.stdout().println("echoing on " + getPort.putPort());
    RpcMessage reply = new RpcMessage();
    while (!Thread.currentThread().isInterrupted()) {
      RpcMessage request = server.getreq(100_000_000L);
      if (request == null) {
        continue;
      }
      byte[] copy = new byte[request.dataLength()];
      request.data().get(request.data().position(), copy);
      reply.clear().offset(request.offset()).data(ByteBuffer.wrap(copy));
      server.putrep(reply);
    }
    return 0; // the kernel closes the server: at once on exit, after the move on a migration
  }
}
