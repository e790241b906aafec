package amoeba.servers.coord;

import amoeba.capabilities.Capability;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.FaultyNetwork;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.coord.central.LockServer;
import amoeba.servers.coord.peer.PeerConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Participants n1..nN on one in-JVM hub, each a FLIP box behind its own seeded FaultyNetwork
 * with an Rpc and a CoordNode; a lock server on a box of its own; lock clients on boxes of
 * theirs. {@link #crash} closes a participant's node, Rpc and box at once (nothing is sent).
 */
final class CoordPool implements AutoCloseable {
  static final long MS = 1_000_000L;
  static final long SECOND = 1000 * MS;
  static final byte[] KEY = "the pool key of the coord tests!".getBytes(StandardCharsets.US_ASCII);

  /** Short RPC timers: a dead peer is NOTFOUND in 0.5 s or FAILURE in about 1 s. */
  static final RpcConfig RPC = RpcConfig.defaults()
      .withRetransmit(20 * MS, 10 * MS, 100 * MS, 8)
      .withEnquiry(100 * MS, 5)
      .withTable(4096, 10 * SECOND)
      .withLocateTimeout(500 * MS)
      .withKeeperGrace(5 * MS);

  /** 5 ms ticks, 600 ms token loss, 2 ms idle hold, 400 ms probes, 100 ms beats, 400 ms elections. */
  static final PeerConfig PEER = new PeerConfig(3 * SECOND, 3, 4096, 5 * MS, 600 * MS, 2 * MS, 400 * MS,
      100 * MS, 400 * MS);

  final LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(16384, 65536);
  final long seed;
  final List<String> names = new ArrayList<>();
  final Map<String, CoordNode> nodes = new HashMap<>();
  final Map<String, FlipBox> boxes = new HashMap<>();
  final Map<String, Rpc> rpcs = new HashMap<>();
  final List<FaultyNetwork> nets = new ArrayList<>();
  final PeerConfig peer;
  LockServer lockServer;
  private int boxCount;

  CoordPool(long seed, int n, PeerConfig peer) {
    this.seed = seed;
    this.peer = peer;
    for (int i = 1; i <= n; i++) {
      names.add("n" + i);
    }
  }

  static Capability coordCap(String board) {
    return BoardPorts.owner(KEY, CoordNode.SERVICE, board);
  }

  static Capability lockCap() {
    return BoardPorts.owner(KEY, LockServer.SERVICE, BoardPorts.POOL);
  }

  /** A box (and its Rpc) on the hub, registered under {@code name}. */
  synchronized Rpc rpc(String name) {
    FaultyNetwork net = new FaultyNetwork(hub.attach(name), seed * 31 + boxCount);
    nets.add(net);
    FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(KEY), List.of(net),
        new SplittableRandom(seed + boxCount++));
    Rpc rpc = new Rpc(box, RPC, new SplittableRandom(seed * 7 + boxCount));
    boxes.put(name, box);
    rpcs.put(name, rpc);
    return rpc;
  }

  /** Starts participant {@code name} (again, after a crash: a fresh box, same name). */
  CoordNode start(String name) {
    Rpc rpc = rpc(name);
    CoordNode node = new CoordNode(name, names, CoordPool::coordCap, CoordNode.getPort(KEY, name), rpc::trans,
        peer, System::nanoTime);
    node.start(rpc.server(CoordNode.getPort(KEY, name)));
    synchronized (this) {
      nodes.put(name, node);
    }
    return node;
  }

  CoordPool startAll() {
    names.forEach(this::start);
    return this;
  }

  LockServer startLockServer() {
    Rpc rpc = rpc("lockserver");
    lockServer = new LockServer(BoardPorts.getPort(KEY, LockServer.SERVICE, BoardPorts.POOL), null);
    lockServer.serve(rpc.server(BoardPorts.getPort(KEY, LockServer.SERVICE, BoardPorts.POOL)), LockServer.THREADS);
    return lockServer;
  }

  /** A lock-server client on a box of its own. */
  RemoteLock centralClient(String name, int leaseMillis) {
    Rpc rpc = rpc(name);
    return new RemoteLock(new LockClient(rpc::trans, 3 * SECOND), lockCap(), Algorithm.CENTRAL, name, leaseMillis,
        new SplittableRandom(seed ^ name.hashCode()));
  }

  void faults(double loss, double dup, double reorder) {
    for (FaultyNetwork n : nets) {
      n.setLossProbability(loss);
      n.setDuplicateProbability(dup);
      n.setReorderProbability(reorder);
    }
  }

  /** Stops {@code name} at once: its server, its RPC and its box (and network). */
  synchronized void crash(String name) {
    CoordNode node = nodes.remove(name);
    if (node != null) {
      node.close();
    }
    Rpc rpc = rpcs.remove(name);
    if (rpc != null) {
      rpc.close();
    }
    FlipBox box = boxes.remove(name);
    if (box != null) {
      box.close();
    }
  }

  @Override
  public synchronized void close() {
    nodes.values().forEach(CoordNode::close);
    if (lockServer != null) {
      lockServer.stop();
    }
    rpcs.values().forEach(Rpc::close);
    boxes.values().forEach(FlipBox::close);
  }
}
