package amoeba.kernel.testprograms;

import amoeba.capabilities.Port;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;

/** Calls the server on the put-port given as its argument once and prints the reply's offset. */
public final class Caller implements Program {
  @Override
  public int run(ProcessContext ctx) {
    Port put = Port.parse(ctx.args().get(0));
    RpcMessage reply = ctx.ipc().trans(new RpcMessage().port(put.value()), 5_000_000_000L);
    ctx.stdout().println(reply.ok() ? "reply " + reply.offset() : "error " + reply.status());
    return reply.ok() ? 0 : 4;
  }
}
