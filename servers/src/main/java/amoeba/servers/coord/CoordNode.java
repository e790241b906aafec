package amoeba.servers.coord;

import amoeba.capabilities.Capability;
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
import amoeba.servers.coord.elect.Bully;
import amoeba.servers.coord.elect.GroupElection;
import amoeba.servers.coord.elect.Leadership;
import amoeba.servers.coord.peer.PeerConfig;
import amoeba.servers.coord.peer.PeerLink;
import amoeba.servers.coord.peer.RicartAgrawala;
import amoeba.servers.coord.peer.TokenRing;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * One board's coordination participant ("coord", instance = the board's name): a token-ring and
 * a Ricart-Agrawala participant for every lock name, a Bully participant, and (if given a
 * group) a group-election member. It serves the peer messages of {@link CoordCommand} and, for
 * clients on any board (the CLI), the lock commands for ring and ricart: the participant
 * acquires the lock among its peers on the caller's behalf, one caller per name at a time
 * (FIFO), and holds it for the caller under a lease like the lock server's.
 */
public final class CoordNode extends Server<CoordNode.Self> implements AutoCloseable {
  /** The one object. */
  public enum Self {
    INSTANCE
  }

  public static final String SERVICE = "coord";
  /** The Bully group every participant runs. */
  public static final String BULLY_GROUP = "pool";
  private static final int THREADS = 16;

  private record Hold(long client, Grant grant, long leaseEndNanos) {}

  private final PeerLink link;
  private final TokenRing ring;
  private final RicartAgrawala ricart;
  private final Bully bully;
  private final LongSupplier clock;
  private final Map<String, Semaphore> local = new ConcurrentHashMap<>();
  private final Map<String, Hold> holds = new ConcurrentHashMap<>();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "coord-tick");
    t.setDaemon(true);
    return t;
  });
  private volatile GroupElection groupElection;

  /**
   * @param capabilityOf a participant's name -> the owner capability of its "coord" server
   * @param getPort this participant's get-port (see {@link #getPort})
   */
  public CoordNode(String self, List<String> members, Function<String, Capability> capabilityOf, Port getPort,
      PeerLink.Trans trans, PeerConfig config, LongSupplier clock) {
    super(getPort.putPort(), new CheckScheme(new SecureRandom()));
    this.clock = clock;
    this.link = new PeerLink(self, members, capabilityOf, trans, config);
    this.ring = new TokenRing(link, clock);
    this.ricart = new RicartAgrawala(link, clock);
    this.bully = new Bully(link, BULLY_GROUP, clock);
    try {
      objects.install(0, Self.INSTANCE, BoardPorts.rootSecret(getPort));
    } catch (CapabilityException e) {
      throw new IllegalStateException(e);
    }
    command(CoordCommand.ACQUIRE.code(), Rights.MODIFY, (o, rq, rp) -> acquire(rq, rp));
    command(CoordCommand.RELEASE.code(), Rights.MODIFY, (o, rq, rp) -> release(rq, rp));
    command(CoordCommand.RENEW.code(), Rights.MODIFY, (o, rq, rp) -> renew(rq));
    command(CoordCommand.CANCEL.code(), Rights.MODIFY, (o, rq, rp) -> ErrorCode.OK.code());
    command(CoordCommand.STATUS.code(), Rights.READ, (o, rq, rp) -> status(rq, rp));
    command(CoordCommand.RING_TOKEN.code(), Rights.MODIFY, (o, rq, rp) -> peer(rq, in ->
        ring.onToken(in.str(), in.i64(), in.str(), in.i64(), in.i64())));
    command(CoordCommand.RING_CLAIM.code(), Rights.MODIFY, (o, rq, rp) -> peer(rq, in ->
        ring.onClaim(in.str(), in.i64(), in.str())));
    command(CoordCommand.RA_REQUEST.code(), Rights.MODIFY, (o, rq, rp) -> peer(rq, in ->
        ricart.onRequest(in.str(), in.i64(), in.str())));
    command(CoordCommand.RA_REPLY.code(), Rights.MODIFY, (o, rq, rp) -> peer(rq, in ->
        ricart.onReply(in.str(), in.i64(), in.str())));
    command(CoordCommand.PING.code(), Rights.MODIFY, (o, rq, rp) -> ErrorCode.OK.code());
    command(CoordCommand.ELECTION.code(), Rights.MODIFY, (o, rq, rp) -> election(rq, rp));
    command(CoordCommand.COORDINATOR.code(), Rights.MODIFY, (o, rq, rp) -> coordinator(rq, rp));
    command(CoordCommand.ELECT_STATUS.code(), Rights.READ, (o, rq, rp) -> electStatus(rp));
    command(StdCommand.STD_DESTROY.code(), Rights.DELETE, (o, rq, rp) -> ErrorCode.DENIED.code());
    command(StdCommand.STD_REVOKE.code(), Rights.ALL, (o, rq, rp) -> ErrorCode.DENIED.code());
  }

  /** The get-port of board {@code board}'s participant. */
  public static Port getPort(byte[] poolKey, String board) {
    return BoardPorts.getPort(poolKey, SERVICE, board);
  }

  /** Serves {@code server}, starts the timer and the first Bully election. */
  public CoordNode start(RpcServer server) {
    serve(server, THREADS);
    long tick = link.config().tickNanos();
    ticker.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.NANOSECONDS);
    bully.elect();
    return this;
  }

  /** Adds the group election (this participant is a member of its group). */
  public void groupElection(GroupElection election) {
    this.groupElection = election;
  }

  private void tick() {
    try {
      ring.tick();
      ricart.tick();
      bully.tick();
      long now = clock.getAsLong();
      holds.forEach((key, h) -> {
        if (now - h.leaseEndNanos() >= 0) {
          endHold(key, h); // the caller stopped renewing: it crashed
        }
      });
    } catch (RuntimeException e) {
      org.tinylog.Logger.error(e, "coord timer");
    }
  }

  public PeerLink link() {
    return link;
  }

  public TokenRing ring() {
    return ring;
  }

  public RicartAgrawala ricart() {
    return ricart;
  }

  public Bully bully() {
    return bully;
  }

  /** A {@link Lock} inside this participant (no RPC to itself): for embedded use and tests. */
  public LocalLock lock(Algorithm algorithm) {
    if (algorithm == Algorithm.CENTRAL) {
      throw new IllegalArgumentException("central locks live at the lock server");
    }
    return new LocalLock(algorithm);
  }

  /** The lock API of this participant itself; one local holder per name at a time. */
  public final class LocalLock implements Lock {
    private final Algorithm algorithm;

    private LocalLock(Algorithm algorithm) {
      this.algorithm = algorithm;
    }

      @Override
      public Optional<Grant> acquire(String name, long timeoutNanos) throws InterruptedException {
        Lock.checkName(name);
        Semaphore s = local.computeIfAbsent(key(algorithm, name), k -> new Semaphore(1, true));
        long deadline = System.nanoTime() + timeoutNanos;
        if (!s.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS)) {
          return Optional.empty();
        }
        long left = deadline - System.nanoTime();
        Optional<Grant> g = Optional.empty();
        try {
          g = algorithm == Algorithm.RING ? ring.acquire(name, left) : ricart.acquire(name, left);
          return g;
        } finally {
          if (g.isEmpty()) {
            s.release();
          }
        }
      }

      @Override
      public void release(Grant grant) {
        if (grant.algorithm() == Algorithm.RING) {
          ring.release(grant);
        } else {
          ricart.release(grant);
        }
        Semaphore s = local.get(key(algorithm, grant.name()));
        if (s != null) {
          s.release();
        }
      }

      @Override
      public LockStatus status(String name) {
        return algorithm == Algorithm.RING ? ring.status(name) : ricart.status(name);
      }
  }

  private static String key(Algorithm a, String name) {
    return a.ordinal() + ":" + name;
  }

  // ---- handlers ------------------------------------------------------------------------------

  @FunctionalInterface
  private interface PeerHandler {
    void handle(Wire.In in) throws Wire.Malformed;
  }

  private static int peer(RpcMessage rq, PeerHandler h) {
    try {
      h.handle(new Wire.In(rq.data()));
      return ErrorCode.OK.code();
    } catch (Wire.Malformed e) {
      return ErrorCode.BADPARAM.code();
    }
  }

  private static LockRequest decode(CoordCommand c, RpcMessage rq) {
    try {
      LockRequest r = LockRequest.decode(c, rq);
      return r.algorithm() == Algorithm.CENTRAL ? null : r;
    } catch (Wire.Malformed e) {
      return null;
    }
  }

  private int acquire(RpcMessage rq, RpcMessage rp) {
    LockRequest r = decode(CoordCommand.ACQUIRE, rq);
    if (r == null) {
      return ErrorCode.BADPARAM.code();
    }
    String key = key(r.algorithm(), r.name());
    Hold h = holds.get(key);
    Grant g = null;
    if (h != null && h.client() == r.client()) {
      g = h.grant(); // asked again: already granted
    } else {
      try {
        g = lock(r.algorithm()).acquire(r.name(), r.waitMillis() * 1_000_000L).orElse(null);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ErrorCode.INTERRUPTED.code();
      }
      if (g != null) {
        holds.put(key, new Hold(r.client(), g, clock.getAsLong() + r.leaseMillis() * 1_000_000L));
      }
    }
    rp.data(new Wire.Out().u8(g == null ? 0 : 1).i64(g == null ? 0 : g.fence()).i32(g == null ? 1 : 0).buffer());
    return ErrorCode.OK.code();
  }

  private int release(RpcMessage rq, RpcMessage rp) {
    LockRequest r = decode(CoordCommand.RELEASE, rq);
    if (r == null) {
      return ErrorCode.BADPARAM.code();
    }
    String key = key(r.algorithm(), r.name());
    Hold h = holds.get(key);
    boolean released = h != null && h.client() == r.client() && h.grant().fence() == r.fence() && endHold(key, h);
    rp.data(new Wire.Out().u8(released ? 1 : 0).buffer());
    return ErrorCode.OK.code();
  }

  private boolean endHold(String key, Hold h) {
    if (!holds.remove(key, h)) {
      return false;
    }
    lock(h.grant().algorithm()).release(h.grant());
    return true;
  }

  private int renew(RpcMessage rq) {
    LockRequest r = decode(CoordCommand.RENEW, rq);
    if (r == null) {
      return ErrorCode.BADPARAM.code();
    }
    String key = key(r.algorithm(), r.name());
    Hold h = holds.get(key);
    if (h == null || h.client() != r.client() || h.grant().fence() != r.fence()) {
      return ErrorCode.NO_SUCH_OBJECT.code();
    }
    holds.replace(key, h, new Hold(h.client(), h.grant(), clock.getAsLong() + r.leaseMillis() * 1_000_000L));
    return ErrorCode.OK.code();
  }

  private int status(RpcMessage rq, RpcMessage rp) {
    LockRequest r = decode(CoordCommand.STATUS, rq);
    if (r == null) {
      return ErrorCode.BADPARAM.code();
    }
    rp.data(LockClient.encode(lock(r.algorithm()).status(r.name())).buffer());
    return ErrorCode.OK.code();
  }

  private int election(RpcMessage rq, RpcMessage rp) {
    try {
      Wire.In in = new Wire.In(rq.data());
      in.str();
      rp.data(bully.onElection(in.i32()).buffer());
      return ErrorCode.OK.code();
    } catch (Wire.Malformed e) {
      return ErrorCode.BADPARAM.code();
    }
  }

  private int coordinator(RpcMessage rq, RpcMessage rp) {
    try {
      Wire.In in = new Wire.In(rq.data());
      in.str();
      int id = in.i32();
      String leader = in.str();
      long term = in.i64();
      if (!link.members().contains(leader) || link.members().indexOf(leader) + 1 != id) {
        return ErrorCode.BADPARAM.code();
      }
      boolean accepted = bully.onCoordinator(id, leader, term);
      rp.data(new Wire.Out().i64(bully.leadership().term()).buffer());
      return accepted ? ErrorCode.OK.code() : ErrorCode.NOTNOW.code();
    } catch (Wire.Malformed e) {
      return ErrorCode.BADPARAM.code();
    }
  }

  private int electStatus(RpcMessage rp) {
    Leadership b = bully.leadership();
    GroupElection g = groupElection;
    Leadership gl = g == null ? Leadership.NONE : g.leadership();
    rp.data(new Wire.Out().str(b.leader()).i64(b.term()).str(gl.leader()).i64(gl.term()).buffer());
    return ErrorCode.OK.code();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    bully.close();
    GroupElection g = groupElection;
    if (g != null) {
      g.close();
    }
    link.close();
    stop();
  }
}
