package amoeba.servers.directory;

import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.servers.directory.LinearizabilityChecker.Op;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent clients (one at each replica) read, write and compare-and-set one row under packet
 * loss and a partition 1|2 that heals; the recorded history must be linearizable, and reads
 * took the lease path (the leader port) as well as the READ-mark one.
 */
class DirectoryLinearizabilityTest {
  static final String ROW = "home/lin/r";
  static final int OPS_PER_CLIENT = 60;

  @TempDir Path dir;
  DirectoryCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void historiesUnderLossAndAPartitionAreLinearizable() throws Exception {
    cluster = new DirectoryCluster(dir, 11).start();
    cluster.client("b1").mkdir("/home/lin");
    cluster.loss(0.02);
    List<Op> history = new CopyOnWriteArrayList<>();
    AtomicInteger done = new AtomicInteger();
    CountDownLatch halfway = new CountDownLatch(DirectoryCluster.BOARDS.size());
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < DirectoryCluster.BOARDS.size(); c++) {
      int client = c;
      DirectoryClient dc = cluster.client(DirectoryCluster.BOARDS.get(c));
      Thread t = new Thread(() -> run(client, dc, history, done, halfway), "client-" + c);
      clients.add(t);
      t.start();
    }
    assertTrue(halfway.await(60, TimeUnit.SECONDS), "clients made progress before the partition");
    long cut = System.nanoTime();
    cluster.partition(Set.of("b1"), Set.of("b2", "b3"));
    // The majority side (clients 1, 2 on b2, b3) gets past the failover and completes operations
    // while cut off, before the heal: the history then spans the partition.
    DirectoryCluster.await(() -> history.stream()
        .filter(o -> o.client() != 0 && o.invokeNanos() > cut && !o.unknown()).count() >= 3,
        60 * DirectoryCluster.SECOND, "the majority side to complete operations during the partition");
    cluster.heal();
    for (Thread t : clients) {
      t.join(120_000);
    }
    long known = history.stream().filter(o -> !o.unknown()).count();
    assertTrue(known >= OPS_PER_CLIENT, "enough operations completed: " + known + " of " + history.size());
    assertTrue(LinearizabilityChecker.check(history), "linearizable: " + history);
    // The clients reached the leader port: reads were served by the lease, not only by marks.
    long leaseReads = DirectoryCluster.BOARDS.stream()
        .mapToLong(b -> Long.parseLong(cluster.status(b).getOrDefault("lease_reads", "0"))).sum();
    assertTrue(leaseReads > 0, "reads took the lease path: " + leaseReads);
  }

  private static void run(int client, DirectoryClient dc, List<Op> history, AtomicInteger done, CountDownLatch halfway) {
    RegisterClient registers = new RegisterClient(client, dc, client * 7919L + 1);
    for (int i = 0; i < OPS_PER_CLIENT; i++) {
      if (i == OPS_PER_CLIENT / 3) {
        halfway.countDown();
      }
      Op op = registers.next(ROW, client * 1000L + i + 1);
      if (op != null) {
        history.add(op);
      }
      done.incrementAndGet();
    }
  }
}
