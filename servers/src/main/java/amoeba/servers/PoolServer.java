package amoeba.servers;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.Server;
import amoeba.kernel.server.BoardPorts;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;

/**
 * A pool-wide server with one object: object 0, the service itself, whose owner capability is
 * derived from the pool key ({@link BoardPorts#owner}), so every pool-key holder can call it and
 * every replica of it accepts the same capabilities (restricted ones too: the check depends on
 * the secret only). That object can be neither destroyed nor revoked: it would cut the pool off
 * the service until a restart.
 */
public abstract class PoolServer extends Server<PoolServer.Service> {
  /** Object 0. */
  public enum Service {
    INSTANCE
  }

  private final Capability owner;

  protected PoolServer(Port getPort, RandomGenerator random) {
    super(getPort.putPort(), new CheckScheme(random));
    try {
      this.owner = objects.install(0, Service.INSTANCE, BoardPorts.rootSecret(getPort));
    } catch (CapabilityException e) {
      throw new IllegalStateException(e);
    }
    command(StdCommand.STD_DESTROY.code(), Rights.DELETE,
        (o, rq, rp) -> fail(rp, ErrorCode.DENIED, "a pool service cannot be destroyed"));
    command(StdCommand.STD_REVOKE.code(), Rights.ALL,
        (o, rq, rp) -> fail(rp, ErrorCode.DENIED, "a pool service's capability is derived from the pool key"));
  }

  /** The owner capability of object 0. */
  public Capability owner() {
    return owner;
  }

  /** A failed reply: the status, and the reason as UTF-8 data for the user. */
  protected static int fail(RpcMessage reply, ErrorCode code, String why) {
    reply.data(ByteBuffer.wrap(why.getBytes(StandardCharsets.UTF_8)));
    return code.code();
  }
}
