package amoeba.servers.coord;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * The {@link Lock} API over RPC: the lock server for {@link Algorithm#CENTRAL}, a board's
 * "coord" participant for ring and ricart. Long-polls ACQUIRE (2 s per call at most), renews
 * the lease every third of it while holding, and withdraws from the queue (CANCEL) when the
 * caller's time runs out. A renewal refused (the lease ended, e.g. after a long pause) marks
 * the grant lost: {@link #lost()}; the resource's fence check is what actually protects.
 */
public final class RemoteLock implements Lock, AutoCloseable {
  /** Longest single ACQUIRE wait at the server (it caps waits there too). */
  public static final int POLL_MILLIS = 2_000;

  private final LockClient client;
  private final Capability server;
  private final Algorithm algorithm;
  private final long clientId;
  private final String label;
  private final int leaseMillis;
  private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "lock-renew");
    t.setDaemon(true);
    return t;
  });
  private ScheduledFuture<?> renewal;
  private volatile boolean lost;

  public RemoteLock(LockClient client, Capability server, Algorithm algorithm, String label, int leaseMillis,
      RandomGenerator random) {
    this.client = client;
    this.server = server;
    this.algorithm = algorithm;
    this.clientId = random.nextLong();
    this.label = label;
    this.leaseMillis = leaseMillis;
  }

  @Override
  public Optional<Grant> acquire(String name, long timeoutNanos) throws RpcException, InterruptedException {
    Lock.checkName(name);
    long deadline = System.nanoTime() + timeoutNanos;
    while (true) {
      long left = deadline - System.nanoTime();
      int wait = (int) Math.max(0, Math.min(POLL_MILLIS, left / 1_000_000L));
      LockClient.Acquired a = client.acquire(server, algorithm, name, clientId, label, leaseMillis, wait);
      if (a.granted()) {
        Grant g = new Grant(name, a.fence(), algorithm);
        lost = false;
        long every = Math.max(1, leaseMillis / 3);
        renewal = renewer.scheduleAtFixedRate(() -> renew(g), every, every, TimeUnit.MILLISECONDS);
        return Optional.of(g);
      }
      if (Thread.interrupted()) {
        client.cancel(server, algorithm, name, clientId);
        throw new InterruptedException();
      }
      if (deadline - System.nanoTime() <= 0) {
        client.cancel(server, algorithm, name, clientId);
        return Optional.empty();
      }
    }
  }

  private void renew(Grant g) {
    try {
      client.renew(server, algorithm, g.name(), clientId, g.fence(), leaseMillis);
    } catch (RpcException e) {
      if (e.status() == ErrorCode.NO_SUCH_OBJECT.code()) {
        lost = true;
        renewal.cancel(false);
      } // else: transient; the next renewal tries again within the lease
    }
  }

  /** Whether the last grant's lease was refused on renewal. */
  public boolean lost() {
    return lost;
  }

  @Override
  public void release(Grant grant) throws RpcException {
    if (renewal != null) {
      renewal.cancel(false);
    }
    client.release(server, algorithm, grant.name(), clientId, grant.fence());
  }

  @Override
  public LockStatus status(String name) throws RpcException {
    return client.status(server, algorithm, Lock.checkName(name));
  }

  /** Stops renewing (a crashed holder: the lease then ends at the server). */
  @Override
  public void close() {
    renewer.shutdownNow();
  }
}
