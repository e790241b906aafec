package amoeba.ipc.rpc;

import amoeba.capabilities.Capability;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import java.nio.charset.StandardCharsets;

/** Client stubs of the standard commands; each is one {@link Rpc#trans}. */
public final class StdClient {
  private final Rpc rpc;
  private final long timeoutNanos;
  private final ThreadLocal<RpcMessage> requests = ThreadLocal.withInitial(RpcMessage::new);

  public StdClient(Rpc rpc, long timeoutNanos) {
    this.rpc = rpc;
    this.timeoutNanos = timeoutNanos;
  }

  private RpcMessage call(Capability cap, StdCommand command, int offset) throws RpcException {
    RpcMessage rq = requests.get().clear().capability(cap).command(command.code()).offset(offset);
    RpcMessage reply = rpc.trans(rq, timeoutNanos);
    if (!reply.ok()) {
      throw new RpcException(reply.status(), command.name());
    }
    return reply;
  }

  /** STD_INFO: the object's short description. */
  public String info(Capability cap) throws RpcException {
    RpcMessage reply = call(cap, StdCommand.STD_INFO, 0);
    byte[] text = new byte[reply.dataLength()];
    reply.data().get(reply.data().position(), text);
    return new String(text, StandardCharsets.UTF_8);
  }

  /** STD_RESTRICT: a capability with rights {@code cap.rights() & mask}, made by the server. */
  public Capability restrict(Capability cap, int mask) throws RpcException {
    if ((mask & ~Rights.ALL) != 0) {
      throw new IllegalArgumentException("a rights mask is 8 bits: " + mask);
    }
    return call(cap, StdCommand.STD_RESTRICT, mask).capability();
  }

  /** STD_REVOKE (owner only): the new owner capability; every older one is now CAPBAD. */
  public Capability revoke(Capability owner) throws RpcException {
    return call(owner, StdCommand.STD_REVOKE, 0).capability();
  }

  public void destroy(Capability cap) throws RpcException {
    call(cap, StdCommand.STD_DESTROY, 0);
  }

  public void touch(Capability cap) throws RpcException {
    call(cap, StdCommand.STD_TOUCH, 0);
  }
}
