package amoeba.servers.coord;

import amoeba.capabilities.Capability;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.Wire;
import amoeba.servers.coord.peer.PeerLink;

/**
 * Client stubs of the lock commands ({@link CoordCommand} ACQUIRE..STATUS), for the lock
 * server (algorithm central) and for a board's "coord" participant (ring, ricart) alike.
 */
public final class LockClient {
  /** ACQUIRE's answer. */
  public record Acquired(boolean granted, long fence, int position) {}

  private final PeerLink.Trans trans;
  private final long timeoutNanos;

  /** @param timeoutNanos per call, on top of the server-side wait of ACQUIRE */
  public LockClient(PeerLink.Trans trans, long timeoutNanos) {
    this.trans = trans;
    this.timeoutNanos = timeoutNanos;
  }

  private Wire.In call(Capability server, CoordCommand command, Wire.Out data, long extraNanos)
      throws RpcException {
    RpcMessage reply = trans.trans(
        new RpcMessage().capability(server).command(command.code()).data(data.buffer()), timeoutNanos + extraNanos);
    if (!reply.ok()) {
      throw new RpcException(reply.status(), command.name());
    }
    byte[] b = new byte[reply.dataLength()];
    reply.data().get(reply.data().position(), b);
    reply.release();
    return new Wire.In(java.nio.ByteBuffer.wrap(b));
  }

  private static RpcException malformed(CoordCommand c) {
    return new RpcException(amoeba.capabilities.ErrorCode.BADPARAM.code(), c.name() + " reply");
  }

  public Acquired acquire(Capability server, Algorithm algo, String name, long client, String label,
      int leaseMillis, int waitMillis) throws RpcException {
    Wire.In in = call(server, CoordCommand.ACQUIRE, new Wire.Out().u8(algo.ordinal()).str(name).i64(client)
        .str(label).i32(leaseMillis).i32(waitMillis), waitMillis * 1_000_000L);
    try {
      return new Acquired(in.u8() == 1, in.i64(), in.i32());
    } catch (Wire.Malformed e) {
      throw malformed(CoordCommand.ACQUIRE);
    }
  }

  public boolean release(Capability server, Algorithm algo, String name, long client, long fence)
      throws RpcException {
    Wire.In in = call(server, CoordCommand.RELEASE,
        new Wire.Out().u8(algo.ordinal()).str(name).i64(client).i64(fence), 0);
    try {
      return in.u8() == 1;
    } catch (Wire.Malformed e) {
      throw malformed(CoordCommand.RELEASE);
    }
  }

  /** @throws RpcException NO_SUCH_OBJECT if the lock was lost (lease ended) */
  public void renew(Capability server, Algorithm algo, String name, long client, long fence, int leaseMillis)
      throws RpcException {
    call(server, CoordCommand.RENEW,
        new Wire.Out().u8(algo.ordinal()).str(name).i64(client).i64(fence).i32(leaseMillis), 0);
  }

  public void cancel(Capability server, Algorithm algo, String name, long client) throws RpcException {
    call(server, CoordCommand.CANCEL, new Wire.Out().u8(algo.ordinal()).str(name).i64(client), 0);
  }

  public LockStatus status(Capability server, Algorithm algo, String name) throws RpcException {
    Wire.In in = call(server, CoordCommand.STATUS, new Wire.Out().u8(algo.ordinal()).str(name), 0);
    try {
      return new LockStatus(in.u8() == 1, in.str(), in.i64(), in.i32(), in.i32(), in.i64(), in.i64());
    } catch (Wire.Malformed e) {
      throw malformed(CoordCommand.STATUS);
    }
  }

  /** STATUS's reply data. */
  public static Wire.Out encode(LockStatus s) {
    return new Wire.Out().u8(s.held() ? 1 : 0).str(s.holder()).i64(s.fence()).i32(s.leaseLeftMillis())
        .i32(s.waiting()).i64(s.messages()).i64(s.entries());
  }
}
