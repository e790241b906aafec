package amoeba.servers.coord.central;

import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;
import amoeba.ipc.rpc.Server;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.Wire;
import amoeba.servers.coord.Algorithm;
import amoeba.servers.coord.CoordCommand;
import amoeba.servers.coord.LockClient;
import amoeba.servers.coord.LockRequest;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The centralized lock server (algorithm central): one object, the server itself (object 0,
 * its owner capability derived from the pool key at service "lock", instance "pool"); the
 * state is a {@link LockTable}. ACQUIRE is a long-poll: a server thread waits in it, so the
 * server runs {@link #THREADS} threads.
 */
public final class LockServer extends Server<LockServer.Self> {
  /** The one object. */
  public enum Self {
    INSTANCE
  }

  public static final String SERVICE = "lock";
  public static final int THREADS = 32;
  private static final long TICK_MILLIS = 20;

  private final LockTable table;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "lock-server-tick");
    t.setDaemon(true);
    return t;
  });

  /** @param storage where the fence reservation lives (null: none, see LockTable) */
  public LockServer(Port getPort, Path storage) {
    super(getPort.putPort(), new CheckScheme(new SecureRandom()));
    this.table = new LockTable(System::nanoTime, storage);
    try {
      objects.install(0, Self.INSTANCE, BoardPorts.rootSecret(getPort));
    } catch (CapabilityException e) {
      throw new IllegalStateException(e);
    }
    command(CoordCommand.ACQUIRE.code(), Rights.MODIFY, (o, rq, rp) -> acquire(rq, rp));
    command(CoordCommand.RELEASE.code(), Rights.MODIFY, (o, rq, rp) -> release(rq, rp));
    command(CoordCommand.RENEW.code(), Rights.MODIFY, (o, rq, rp) -> renew(rq));
    command(CoordCommand.CANCEL.code(), Rights.MODIFY, (o, rq, rp) -> cancel(rq));
    command(CoordCommand.STATUS.code(), Rights.READ, (o, rq, rp) -> status(rq, rp));
    // object 0 is derived from the pool key: never destroyed or revoked
    command(StdCommand.STD_DESTROY.code(), Rights.DELETE, (o, rq, rp) -> ErrorCode.DENIED.code());
    command(StdCommand.STD_REVOKE.code(), Rights.ALL, (o, rq, rp) -> ErrorCode.DENIED.code());
  }

  public LockTable table() {
    return table;
  }

  @Override
  public synchronized void serve(RpcServer server, int threads) {
    super.serve(server, threads);
    ticker.scheduleAtFixedRate(table::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void stop() {
    ticker.shutdownNow();
    super.stop();
  }

  @Override
  protected String info(Self object) {
    return "lock server";
  }

  private static LockRequest decode(CoordCommand c, RpcMessage rq) {
    try {
      LockRequest r = LockRequest.decode(c, rq);
      return r.algorithm() == Algorithm.CENTRAL ? r : null;
    } catch (Wire.Malformed e) {
      return null;
    }
  }

  private int acquire(RpcMessage rq, RpcMessage rp) {
    LockRequest r = decode(CoordCommand.ACQUIRE, rq);
    if (r == null) {
      return ErrorCode.BADPARAM.code();
    }
    try {
      LockTable.Acquired a = table.acquire(r.name(), r.client(), r.label(), r.leaseMillis(), r.waitMillis() * 1_000_000L);
      rp.data(new Wire.Out().u8(a.granted() ? 1 : 0).i64(a.fence()).i32(a.position()).buffer());
      return ErrorCode.OK.code();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ErrorCode.INTERRUPTED.code();
    }
  }

  private int release(RpcMessage rq, RpcMessage rp) {
    LockRequest r = decode(CoordCommand.RELEASE, rq);
    if (r == null) {
      return ErrorCode.BADPARAM.code();
    }
    rp.data(new Wire.Out().u8(table.release(r.name(), r.client(), r.fence()) ? 1 : 0).buffer());
    return ErrorCode.OK.code();
  }

  private int renew(RpcMessage rq) {
    LockRequest r = decode(CoordCommand.RENEW, rq);
    if (r == null) {
      return ErrorCode.BADPARAM.code();
    }
    return table.renew(r.name(), r.client(), r.fence(), r.leaseMillis(), "client " + Long.toHexString(r.client()))
        ? ErrorCode.OK.code() : ErrorCode.NO_SUCH_OBJECT.code();
  }

  private int cancel(RpcMessage rq) {
    LockRequest r = decode(CoordCommand.CANCEL, rq);
    if (r == null) {
      return ErrorCode.BADPARAM.code();
    }
    table.cancel(r.name(), r.client());
    return ErrorCode.OK.code();
  }

  private int status(RpcMessage rq, RpcMessage rp) {
    LockRequest r = decode(CoordCommand.STATUS, rq);
    if (r == null) {
      return ErrorCode.BADPARAM.code();
    }
    rp.data(LockClient.encode(table.status(r.name())).buffer());
    return ErrorCode.OK.code();
  }
}
