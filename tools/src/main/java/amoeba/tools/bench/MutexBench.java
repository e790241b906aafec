package amoeba.tools.bench;

import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.coord.Algorithm;
import amoeba.servers.coord.CoordNode;
import amoeba.servers.coord.Grant;
import amoeba.servers.coord.Lock;
import amoeba.servers.coord.LockClient;
import amoeba.servers.coord.RemoteLock;
import amoeba.servers.coord.central.LockServer;
import amoeba.servers.coord.peer.PeerConfig;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba bench mutex}: the three mutual exclusion algorithms among {@code --boards}
 * participants, each a FLIP box with its RPC in this JVM on the in-JVM loopback network (no
 * board processes: starting them would dominate the run; the protocol, RPC and FLIP code paths
 * are the boards'). Per algorithm: messages per entry+exit counted by the implementation under
 * contention (every participant entering at once) beside the textbook value, and entry latency
 * without contention (one participant entering alone) and under contention.
 */
@Command(name = "mutex", description = "Messages and entry latency of central, ring and Ricart-Agrawala locks.")
public final class MutexBench implements Callable<Integer> {
  private static final long MS = 1_000_000L;
  private static final byte[] KEY = "mutex bench pool key, in-process".getBytes(StandardCharsets.US_ASCII);

  @Option(names = "--json", description = "One JSON object on stdout.")
  boolean json;

  @Option(names = "--boards", defaultValue = "5", description = "Participants, 3 or 5 (default: ${DEFAULT-VALUE}).")
  int boards;

  @Option(names = "--entries", defaultValue = "200", description = "Entries per measurement (default: ${DEFAULT-VALUE}).")
  int entries;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private final List<FlipBox> boxes = new ArrayList<>();
  private final List<Rpc> rpcs = new ArrayList<>();
  private final LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(16384, 65536);

  private Rpc rpc(String name) {
    FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(KEY), List.of(hub.attach(name)), new SecureRandom());
    Rpc rpc = new Rpc(box, RpcConfig.defaults(), new SecureRandom());
    boxes.add(box);
    rpcs.add(rpc);
    return rpc;
  }

  @Override
  public Integer call() throws Exception {
    if (boards < 2 || boards > 16) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--boards is 2..16");
    }
    PrintWriter out = spec.commandLine().getOut();
    BenchReport report = new BenchReport("mutex");
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= boards; i++) {
      names.add("b" + i);
    }
    PeerConfig peer = PeerConfig.defaults();
    peer = new PeerConfig(peer.callTimeoutNanos(), peer.attempts(), peer.queuePerPeer(), MS, peer.tokenLossNanos(),
        peer.idleHoldNanos(), peer.probeNanos(), peer.heartbeatNanos(), peer.electionNanos());
    List<CoordNode> nodes = new ArrayList<>();
    LockServer server = null;
    List<RemoteLock> central = new ArrayList<>();
    try {
      for (String n : names) {
        Rpc rpc = rpc(n);
        Port get = CoordNode.getPort(KEY, n);
        nodes.add(new CoordNode(n, names, b -> BoardPorts.owner(KEY, CoordNode.SERVICE, b), get, rpc::trans, peer,
            System::nanoTime).start(rpc.server(get)));
      }
      Port lockGet = BoardPorts.getPort(KEY, LockServer.SERVICE, BoardPorts.POOL);
      server = new LockServer(lockGet, null);
      server.serve(rpc("lock").server(lockGet), LockServer.THREADS);
      for (String n : names) {
        Rpc rpc = rpc("client-" + n);
        central.add(new RemoteLock(new LockClient(rpc::trans, 5_000 * MS), BoardPorts.owner(KEY, LockServer.SERVICE,
            BoardPorts.POOL), Algorithm.CENTRAL, n, 10_000, new SecureRandom()));
      }
      LockServer s = server;
      measure(report, Algorithm.CENTRAL, new ArrayList<Lock>(central), s.table()::messages);
      measure(report, Algorithm.RING, nodes.stream().map(x -> (Lock) x.lock(Algorithm.RING)).toList(),
          () -> nodes.stream().mapToLong(x -> x.ring().messages()).sum());
      measure(report, Algorithm.RICART, nodes.stream().map(x -> (Lock) x.lock(Algorithm.RICART)).toList(),
          () -> nodes.stream().mapToLong(x -> x.ricart().messages()).sum());
    } finally {
      central.forEach(RemoteLock::close);
      nodes.forEach(CoordNode::close);
      if (server != null) {
        server.stop();
      }
      rpcs.forEach(Rpc::close);
      boxes.forEach(FlipBox::close);
    }
    report.note("%d participants in this JVM over the in-JVM loopback network (no board processes); "
        + "messages counted by the implementations; ring: 2 ms idle hold per participant", boards);
    report.note("theory: central 3, Ricart-Agrawala 2(n-1) = %d, token ring 1 (saturated) to unbounded (idle)",
        2 * (boards - 1));
    report.print(out, json);
    return 0;
  }

  private void measure(BenchReport report, Algorithm algo, List<Lock> locks, LongSupplier messages) throws Exception {
    String name = "bench-" + algo.cliName();
    // Warm-up (and, for the ring, the first token).
    for (int i = 0; i < 20; i++) {
      enterOnce(locks.get(0), name);
    }
    // Alone: one participant enters repeatedly, the others are idle.
    Latencies alone = new Latencies(entries);
    long before = messages.getAsLong();
    for (int i = 0; i < entries; i++) {
      alone.record(enterOnce(locks.get(0), name));
    }
    double aloneMessages = (messages.getAsLong() - before) / (double) entries;
    // Contended: everyone enters entries/n times at once.
    int each = Math.max(1, entries / locks.size());
    Latencies contended = new Latencies(each * locks.size());
    before = messages.getAsLong();
    List<Thread> threads = new ArrayList<>();
    List<Exception> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (Lock l : locks) {
      Thread t = new Thread(() -> {
        try {
          for (int i = 0; i < each; i++) {
            long ns = enterOnce(l, name);
            synchronized (contended) {
              contended.record(ns);
            }
          }
        } catch (Exception e) {
          failures.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
    double contendedMessages = (messages.getAsLong() - before) / (double) (each * locks.size());
    report.row(algo.cliName())
        .put("messages_per_entry", contendedMessages)
        .put("theory_messages_per_entry", algo.theoryMessagesPerEntry(locks.size()))
        .put("messages_alone", aloneMessages)
        .put("p50_us", alone.percentileMicros(50))
        .put("p99_us", alone.percentileMicros(99))
        .put("p50_contended_us", contended.percentileMicros(50));
  }

  /** One entry and exit; returns the entry latency in ns. */
  private static long enterOnce(Lock lock, String name) throws Exception {
    long start = System.nanoTime();
    Grant g = lock.acquire(name, 30_000 * MS).orElseThrow(() -> new IllegalStateException("not granted in 30 s"));
    long entered = System.nanoTime() - start;
    lock.release(g);
    return entered;
  }
}
