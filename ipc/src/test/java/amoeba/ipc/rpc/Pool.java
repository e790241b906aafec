package amoeba.ipc.rpc;

import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.ServerBlock;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.FaultyNetwork;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.flip.net.Network;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Boxes on one in-JVM hub, each with an Rpc, optionally behind a seeded FaultyNetwork. */
final class Pool implements AutoCloseable {
  static final long MS = 1_000_000L;
  static final long SECOND = 1000 * MS;

  /** Short timers so fault tests take seconds; the TTL still exceeds the request window. */
  static final RpcConfig FAST =
      RpcConfig.defaults()
          .withRetransmit(5 * MS, 2 * MS, 20 * MS, 30)
          .withEnquiry(10 * MS, 12)
          .withTable(1024, 10 * SECOND)
          .withLocateTimeout(2 * SECOND)
          .withKeeperGrace(2 * MS);

  final LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(8192, 65536);
  final SplittableRandom random;
  final RpcConfig config;
  final List<FlipBox> boxes = new ArrayList<>();
  final List<Rpc> rpcs = new ArrayList<>();
  final List<Server<?>> servers = new ArrayList<>();
  final List<FaultyNetwork> faulty = new ArrayList<>();
  private int names;

  /** Makes the network of each new box, given its name; by default a port of the in-JVM hub. */
  private final java.util.function.Function<String, Network> networks;

  Pool(long seed, RpcConfig config) {
    this(seed, config, null);
  }

  /** A pool whose boxes sit on networks made by {@code networks} (e.g. MQTT through a broker). */
  Pool(long seed, RpcConfig config, java.util.function.Function<String, Network> networks) {
    this.random = new SplittableRandom(seed);
    this.config = config;
    this.networks = networks == null ? hub::attach : networks;
  }

  synchronized Rpc rpc() {
    return rpc(false);
  }

  /** A new box (behind a FaultyNetwork seeded from the pool's seed if {@code faults}). */
  synchronized Rpc rpc(boolean faults) {
    Network n = networks.apply("box" + names++);
    if (faults) {
      FaultyNetwork f = new FaultyNetwork(n, random.nextLong());
      faulty.add(f);
      n = f;
    }
    FlipBox box = new FlipBox(BoxConfig.defaults(7), List.of(n), random.split());
    boxes.add(box);
    Rpc rpc = new Rpc(box, config, random.split());
    rpcs.add(rpc);
    return rpc;
  }

  Port newPort() {
    return Port.random(random);
  }

  <S extends Server<?>> S serve(S server, Rpc rpc, Port getPort, int threads) {
    server.serve(rpc.server(getPort), threads);
    servers.add(server);
    return server;
  }

  @Override
  public void close() {
    servers.forEach(Server::stop);
    rpcs.forEach(Rpc::close);
    boxes.forEach(FlipBox::close);
  }

  /** Waits for a condition that other threads make true; fails the test after the timeout. */
  static void await(BooleanSupplier condition, long timeoutNanos, String what) {
    long deadline = System.nanoTime() + timeoutNanos;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      LockSupport.parkNanos(MS / 2);
    }
  }

  static void await(CountDownLatch latch) throws InterruptedException {
    if (!latch.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("latch not released");
    }
  }

  /**
   * Counts executions per request id (the first 8 data bytes); ECHO returns the data, BLOCK
   * waits on a latch (a long call), READ needs the READ right on object capabilities.
   */
  static final class CountingServer extends Server<String> {
    static final int ECHO = ServerBlock.SYS.first() + 1;
    static final int BLOCK = ServerBlock.SYS.first() + 2;
    static final int READ = ServerBlock.SYS.first() + 3;

    final ConcurrentHashMap<Long, AtomicInteger> executions = new ConcurrentHashMap<>();
    final AtomicInteger reads = new AtomicInteger();
    final CountDownLatch blocked = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    CountingServer(Port getPort, SplittableRandom random) {
      super(getPort.putPort(), new CheckScheme(random.split()));
      anonymous(ECHO, (o, rq, rp) -> {
        ByteBuffer d = rq.data();
        if (d.remaining() >= 8) {
          executions.computeIfAbsent(d.getLong(d.position()), k -> new AtomicInteger())
              .incrementAndGet();
        }
        rp.data(d);
        return ErrorCode.OK.code();
      });
      anonymous(BLOCK, (o, rq, rp) -> {
        blocked.countDown();
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return ErrorCode.OK.code();
      });
      command(READ, amoeba.capabilities.Rights.READ, (o, rq, rp) -> {
        reads.incrementAndGet();
        return ErrorCode.OK.code();
      });
    }

    long totalExecutions() {
      return executions.values().stream().mapToLong(AtomicInteger::get).sum();
    }

    long executedTwice() {
      return executions.values().stream().filter(c -> c.get() > 1).count();
    }

    @Override
    protected String info(String object) {
      return "counting object " + object;
    }
  }
}
