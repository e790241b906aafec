package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.MS;
import static amoeba.ipc.group.GroupPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Agreement and total order under 20% loss, duplication and reordering. */
class GroupAgreementTest {

  @ParameterizedTest
  @ValueSource(ints = {3, 5})
  void everyMemberDeliversTheSameSequenceUnderFaults(int n) throws Exception {
    int perSender = 2000;
    try (GroupPool pool = new GroupPool(42 + n);
        GroupPool.Collector c = new GroupPool.Collector()) {
      List<GroupMember> ms = pool.start(n, GroupPool.CONFIG.withBbThreshold(48));
      ms.forEach(c::watch);
      pool.faults(0.2, 0.2, 0.2);
      sendAll(ms, perSender, i -> i % 10 == 0 ? 100 : 16); // every 10th goes BB
      long total = (long) n * perSender;
      awaitDelivered(c, ms, total, 40 * SECOND);
      check(c, ms, total, perSender);
      assertTrue(ms.stream().mapToLong(GroupMember::bundlesSent).sum() > 0,
          "the sequencer bundled ORDERED packets: the path is exercised");
      assertTrue(ms.stream().mapToLong(GroupMember::dataBundlesSent).sum() > 0,
          "members bundled held DATA: the path is exercised");
    }
  }

  static void sendAll(List<GroupMember> ms, int perSender, java.util.function.IntUnaryOperator size)
      throws InterruptedException {
    CountDownLatch done = new CountDownLatch(ms.size());
    for (int s = 0; s < ms.size(); s++) {
      int sender = s;
      GroupMember m = ms.get(s);
      Thread t = new Thread(() -> {
        for (int i = 0; i < perSender; i++) {
          m.send(GroupPool.payload(sender, i, size.applyAsInt(i)));
        }
        done.countDown();
      });
      t.setDaemon(true);
      t.start();
    }
    assertTrue(done.await(40, java.util.concurrent.TimeUnit.SECONDS), "senders finished");
  }

  static void awaitDelivered(GroupPool.Collector c, List<GroupMember> ms, long total, long nanos) {
    long deadline = System.nanoTime() + nanos;
    while (System.nanoTime() < deadline) {
      boolean all = true;
      for (GroupMember m : ms) {
        all &= c.of(m).size() >= total;
      }
      if (all) {
        return;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(10 * MS);
    }
    StringBuilder sb = new StringBuilder();
    for (GroupMember m : ms) {
      sb.append(m.info()).append(" got ").append(c.of(m).size()).append(' ')
          .append(m.drops()).append('\n');
    }
    throw new AssertionError("not all delivered:\n" + sb);
  }

  /** Same sequence everywhere, consecutive seqs, no duplicates, each sender's FIFO order. */
  static void check(GroupPool.Collector c, List<GroupMember> ms, long total, int perSender) {
    long[] reference = null;
    for (GroupMember m : ms) {
      List<long[]> got = c.of(m);
      assertEquals(total, got.size(), "delivered count of " + m);
      long[] keys = new long[got.size()];
      Set<Long> unique = new HashSet<>();
      int[] next = new int[ms.size()];
      for (int i = 0; i < got.size(); i++) {
        keys[i] = got.get(i)[1];
        assertTrue(unique.add(keys[i]), "duplicate delivery");
        if (i > 0) {
          assertTrue(got.get(i)[0] > got.get(i - 1)[0], "seqs increase");
        }
        int sender = (int) (keys[i] >>> 32);
        assertEquals(next[sender]++, (int) keys[i], "sender FIFO order");
      }
      if (reference == null) {
        reference = keys;
      } else {
        assertArrayEquals(reference, keys, "total order differs at " + m);
      }
    }
  }

  @Test
  void aSingleMemberDeliversItsOwnMessages() throws Exception {
    try (GroupPool pool = new GroupPool(1); GroupPool.Collector c = new GroupPool.Collector()) {
      List<GroupMember> ms = pool.start(1, GroupPool.CONFIG);
      c.watch(ms.get(0));
      sendAll(ms, 100, i -> 16);
      awaitDelivered(c, ms, 100, 5 * SECOND);
      check(c, ms, 100, 100);
    }
  }

  /**
   * Three members on {@code boxes} (the first creates the group on {@code port}) each send
   * {@code perSender} messages (every 20th of 3000 bytes, so BB and FLIP fragmentation take
   * part); every member must deliver the same complete sequence. Closes the members.
   */
  static void agreementAmong(List<amoeba.flip.FlipBox> boxes, long port, int perSender,
      long timeoutNanos) throws InterruptedException {
    List<GroupMember> ms = new java.util.ArrayList<>();
    try (GroupPool.Collector c = new GroupPool.Collector()) {
      ms.add(GroupMember.create(boxes.get(0), port, GroupPool.CONFIG));
      for (int i = 1; i < boxes.size(); i++) {
        ms.add(GroupMember.join(boxes.get(i), port, GroupPool.CONFIG, 5 * SECOND));
      }
      ms.forEach(c::watch);
      long total = (long) boxes.size() * perSender;
      sendAll(ms, perSender, i -> i % 20 == 0 ? 3000 : 64);
      awaitDelivered(c, ms, total, timeoutNanos);
      check(c, ms, total, perSender);
      assertEquals(boxes.size(), ms.get(ms.size() - 1).info().members().size());
    } finally {
      ms.forEach(GroupMember::close);
    }
  }
}
