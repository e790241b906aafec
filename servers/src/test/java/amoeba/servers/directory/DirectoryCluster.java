package amoeba.servers.directory;

import amoeba.servers.Eventually;
import amoeba.capabilities.Capability;
import amoeba.flip.BoxConfig;
import amoeba.flip.net.FaultyNetwork;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.flip.net.Partition;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.BoardConfig;
import amoeba.kernel.Kernel;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.SystemPrograms;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Three boards (b1..b3) in one JVM on a loopback hub, each behind a seeded FaultyNetwork, each
 * with a data folder and a directory replica with fast timers (5 ms beats, 300 ms to suspect).
 */
final class DirectoryCluster implements AutoCloseable {
  static final byte[] KEY = "directory tests: a pool key 32 b".getBytes(StandardCharsets.US_ASCII);
  static final List<String> BOARDS = List.of("b1", "b2", "b3");
  static final long SECOND = 1_000_000_000L;
  static final List<String> ARGS = List.of("b1", "b2", "b3", "--heartbeat-ms", "5", "--fail-ms", "300");

  final LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(16384, 65536);
  final Path data;
  final long seed;
  final Map<String, Kernel> kernels = new LinkedHashMap<>();
  final Map<String, FaultyNetwork> nets = new HashMap<>();
  final Capability root = BoardPorts.rootDirectory(KEY);

  DirectoryCluster(Path data, long seed) {
    this.data = data;
    this.seed = seed;
    LIVE.add(this);
  }

  /** Boots all three and waits until every replica serves. */
  DirectoryCluster start() throws Exception {
    for (String b : BOARDS) {
      boot(b);
    }
    for (String b : BOARDS) {
      awaitServing(b);
    }
    // A join that timed out at the joiner may have got in at the sequencer: such a ghost member
    // counts in the group's majority until it is expelled (300 ms of silence). Faults injected
    // before that would meet a 4-member group, so wait for the clean view of 3.
    await(() -> BOARDS.stream().allMatch(b -> "3".equals(status(b).get("view"))), 20 * SECOND, "views of 3");
    return this;
  }

  Kernel boot(String board) throws Exception {
    Kernel k = bootBare(board);
    k.startService("dir", ARGS);
    return k;
  }

  /** A board without a replica (its kernel servers only). */
  Kernel bootBare(String board) throws Exception {
    FaultyNetwork net = new FaultyNetwork(hub.attach(board), seed * 31 + board.hashCode());
    nets.put(board, net);
    Kernel k = Kernel.boot(BoardConfig.emulated(board, BoxConfig.defaults(1).withPoolKey(KEY), List.of(net))
        .withDataFolder(data.resolve(board))
        .withPrograms(SystemPrograms.forBoards()));
    kernels.put(board, k);
    return k;
  }

  /** A client whose calls reach the replica on {@code board} (its own box holds the port). */
  DirectoryClient client(String board) {
    return new DirectoryClient(root, kernels.get(board).rpc(), 5 * SECOND);
  }

  /** A replica's STATUS lines as a map (empty if it does not answer). */
  Map<String, String> status(String board) {
    Kernel via = kernels.get(board);
    RpcMessage reply = via.rpc().trans(new RpcMessage()
        .capability(BoardPorts.owner(KEY, DirectoryReplica.REPLICA_SERVICE, board))
        .command(DirectoryCommand.STATUS.code()), SECOND);
    Map<String, String> m = new HashMap<>();
    if (reply.ok()) {
      byte[] b = new byte[reply.dataLength()];
      reply.data().get(reply.data().position(), b);
      for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          m.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    }
    return m;
  }

  long index(String board) {
    return Long.parseLong(status(board).getOrDefault("index", "-1"));
  }

  boolean serving(String board) {
    return "true".equals(status(board).get("serving"));
  }

  void awaitServing(String board) throws InterruptedException {
    await(() -> serving(board), 20 * SECOND, board + " serving");
  }

  /** Waits for a distributed condition (see {@link Eventually}); fails with the replicas' state. */
  static void await(BooleanSupplier condition, long timeoutNanos, String what) {
    if (!Eventually.holds(condition, timeoutNanos)) {
      throw new AssertionError("timed out waiting for " + what + diagnostics());
    }
  }

  void partition(Set<String> a, Set<String> b) {
    Partition p = Partition.of(a, b);
    nets.values().forEach(n -> n.setPartition(p));
  }

  void heal() {
    nets.values().forEach(FaultyNetwork::heal);
  }

  void loss(double p) {
    nets.values().forEach(n -> n.setLossProbability(p));
  }

  /** Closes a board cleanly (its replica stops; its storage stays). */
  void stop(String board) {
    Kernel k = kernels.remove(board);
    if (k != null) {
      k.close();
    }
  }

  /** Each replica's STATUS and its process's state and stderr: what a failed wait shows. */
  static String diagnostics() {
    StringBuilder b = new StringBuilder();
    for (DirectoryCluster c : LIVE) {
      for (Map.Entry<String, Kernel> e : c.kernels.entrySet()) {
        b.append("\n").append(e.getKey()).append(": ").append(c.status(e.getKey()));
        for (amoeba.kernel.process.KernelProcess p : e.getValue().processes()) {
          byte[] err = p.stderrLog().read(0, 4096).bytes();
          b.append("\n  ").append(p).append(" ").append(p.state()).append(" ")
              .append(new String(err, StandardCharsets.UTF_8));
        }
      }
    }
    return b.toString();
  }

  private static final List<DirectoryCluster> LIVE = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public void close() {
    LIVE.remove(this);
    for (Kernel k : new ArrayList<>(kernels.values())) {
      k.close();
    }
    kernels.clear();
  }
}
