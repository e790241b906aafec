package amoeba.ipc.group;

import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.FaultyNetwork;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.flip.net.Partition;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Boxes on one in-JVM hub, each behind its own seeded FaultyNetwork; members and collectors. */
final class GroupPool implements AutoCloseable {
  static final long MS = 1_000_000L;
  static final long SECOND = 1_000 * MS;
  /** Test timers: 5 ms beats, 300 ms to suspect, 20 ms retransmit, 5 ms between NAKs. */
  static final GroupConfig CONFIG =
      GroupConfig.defaults().withTimers(5 * MS, 300 * MS, 20 * MS, 5 * MS).withBuffers(4096, 200);

  final LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(16384, 65536);
  final List<FlipBox> boxes = new ArrayList<>();
  final List<FaultyNetwork> nets = new ArrayList<>();
  final List<GroupMember> members = new CopyOnWriteArrayList<>();
  final long seed;
  final long port;

  GroupPool(long seed) {
    this.seed = seed;
    this.port = 0x1000 + (seed & 0xFFFF);
  }

  FlipBox box(String name) {
    FaultyNetwork n = new FaultyNetwork(hub.attach(name), seed * 31 + boxes.size());
    nets.add(n);
    FlipBox b = new FlipBox(BoxConfig.defaults(7), List.of(n), new SplittableRandom(seed + boxes.size()));
    boxes.add(b);
    return b;
  }

  /** Member i on box "m<i>": the first creates the group, the others join. */
  List<GroupMember> start(int n, GroupConfig cfg) {
    return start(n, cfg, System::nanoTime);
  }

  /** As {@link #start(int, GroupConfig)}, the creator (the first sequencer) on {@code creatorClock}. */
  List<GroupMember> start(int n, GroupConfig cfg, java.util.function.LongSupplier creatorClock) {
    for (int i = 0; i < n; i++) {
      FlipBox b = box("m" + i);
      GroupMember m = i == 0 ? GroupMember.create(b, port, cfg, creatorClock)
          : GroupMember.join(b, port, cfg, 5 * SECOND);
      members.add(m);
    }
    return members;
  }

  void faults(double loss, double dup, double reorder) {
    for (FaultyNetwork n : nets) {
      n.setLossProbability(loss);
      n.setDuplicateProbability(dup);
      n.setReorderProbability(reorder);
    }
  }

  void partition(Set<String> a, Set<String> b) {
    Partition p = Partition.of(a, b);
    nets.forEach(n -> n.setPartition(p));
  }

  void heal() {
    nets.forEach(FaultyNetwork::heal);
  }

  static byte[] payload(int sender, int i, int size) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(8, size));
    b.putInt(0, sender).putInt(4, i);
    return b.array();
  }

  static long key(GroupMessage m) {
    ByteBuffer b = ByteBuffer.wrap(m.data());
    return (long) b.getInt(0) << 32 | b.getInt(4);
  }

  /** Every member's delivered (seq, key) stream, collected by one thread per member. */
  static final class Collector implements AutoCloseable {
    final ConcurrentHashMap<GroupMember, List<long[]>> seen = new ConcurrentHashMap<>();
    final List<Thread> threads = new ArrayList<>();
    volatile boolean stop;

    void watch(GroupMember m) {
      List<long[]> list = new CopyOnWriteArrayList<>();
      seen.put(m, list);
      Thread t = new Thread(() -> {
        while (!stop) {
          try {
            GroupMessage g = m.receive(20 * MS);
            if (g != null) {
              list.add(new long[] {g.seq(), key(g)});
            }
          } catch (IllegalStateException gone) {
            return;
          }
        }
      }, "collect");
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }

    List<long[]> of(GroupMember m) {
      return seen.get(m);
    }

    @Override
    public void close() {
      stop = true;
      for (Thread t : threads) {
        try {
          t.join(2000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  String describe(Collector c) {
    StringBuilder sb = new StringBuilder();
    for (GroupMember m : members) {
      GroupInfo i = m.info();
      sb.append(i.memberId()).append(' ').append(i.state()).append(" inc ").append(i.incarnation())
          .append(" seq ").append(i.sequencerId()).append(" members ").append(i.members().keySet())
          .append(" last ").append(i.lastSeq()).append(" acc ").append(i.accepted())
          .append(" got ").append(c == null || c.of(m) == null ? -1 : c.of(m).size())
          .append(' ').append(m.debug()).append(' ').append(m.drops()).append('\n');
    }
    return sb.toString();
  }

  @Override
  public void close() {
    members.forEach(GroupMember::close);
    boxes.forEach(FlipBox::close);
  }
}
