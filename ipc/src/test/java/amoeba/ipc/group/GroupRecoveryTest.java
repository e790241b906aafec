package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.MS;
import static amoeba.ipc.group.GroupPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Sequencer crash, partitions, and failure detection on an injected clock. */
class GroupRecoveryTest {

  static GroupPool current;
  static GroupPool.Collector collector;

  static void await(String what, long nanos, BooleanSupplier condition) {
    long deadline = System.nanoTime() + nanos;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "\n"
            + (current == null ? "" : current.describe(collector)));
      }
      LockSupport.parkNanos(2 * MS);
    }
  }

  static List<Long> keys(List<long[]> got) {
    List<Long> k = new ArrayList<>();
    for (long[] g : got) {
      k.add(g[1]);
    }
    return k;
  }

  static long count(GroupResetEvent what, GroupMember... members) {
    long n = 0;
    for (GroupMember m : members) {
      n += m.resets().get(what);
    }
    return n;
  }

  static void assertPrefix(List<Long> prefix, List<Long> of, String what) {
    assertTrue(prefix.size() <= of.size(),
        what + ": longer than the reference, " + prefix.size() + " > " + of.size());
    for (int i = 0; i < prefix.size(); i++) {
      if (!prefix.get(i).equals(of.get(i))) {
        throw new AssertionError(what + ": differs at index " + i + " of " + prefix.size());
      }
    }
  }

  static void assertSame(List<Long> expected, List<Long> actual, String what) {
    assertEquals(expected.size(), actual.size(), what + ": length");
    assertPrefix(actual, expected, what);
  }

  /** Senders that keep going until told; send() failures end a member's sender. */
  static final class Senders {
    final List<Thread> threads = new ArrayList<>();
    final int[] sent;

    Senders(List<GroupMember> ms, int count) {
      sent = new int[ms.size()];
      for (int s = 0; s < ms.size(); s++) {
        int sender = s;
        GroupMember m = ms.get(s);
        Thread t = new Thread(() -> {
          try {
            for (int i = 0; i < count; i++) {
              m.send(GroupPool.payload(sender, i, 16));
              sent[sender] = i + 1;
            }
          } catch (IllegalStateException closed) {
            // this member crashed or left
          }
        });
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
    }

    void join() throws InterruptedException {
      for (Thread t : threads) {
        t.join(20_000);
      }
    }
  }

  @Test
  void sequencerCrashMidStreamLosesNothingDeliveredAndSendingContinues() throws Exception {
    int perSender = 1500;
    try (GroupPool pool = new GroupPool(7); GroupPool.Collector c = new GroupPool.Collector()) {
      current = pool;
      collector = c;
      List<GroupMember> ms = pool.start(3, GroupPool.CONFIG.withResilience(1));
      ms.forEach(c::watch);
      pool.faults(0.05, 0.05, 0.05);
      GroupMember seq = ms.get(0);
      Senders senders = new Senders(ms, perSender);
      await("traffic before the crash", 10 * SECOND, () -> c.of(ms.get(1)).size() > 1000);
      pool.boxes.get(0).close(); // crash: the sequencer's box goes away mid-stream
      seq.close();
      List<Long> deliveredByCrashed = keys(c.of(seq));
      await("survivors finish sending", 20 * SECOND,
          () -> senders.sent[1] == perSender && senders.sent[2] == perSender);
      GroupMember a = ms.get(1);
      GroupMember b = ms.get(2);
      assertEquals(perSender, senders.sent[1]);
      assertEquals(perSender, senders.sent[2]);
      await("survivors deliver every survivor message", 20 * SECOND, () -> {
        int[] mine = new int[3];
        for (long k : keys(c.of(a))) {
          mine[(int) (k >>> 32)]++;
        }
        return mine[1] == perSender && mine[2] == perSender && c.of(b).size() == c.of(a).size();
      });
      List<Long> ka = keys(c.of(a));
      assertSame(ka, keys(c.of(b)), "survivors agree");
      assertPrefix(deliveredByCrashed, ka, "what the crashed sequencer delivered");
      assertEquals(ka.size(), ka.stream().distinct().count(), "no duplicates");
      GroupInfo info = a.info();
      // At least the one reset (survivors that refuted each other's suspicions used to run
      // up dozens: aRefutedSuspicionDoesNotRefuteTheNext).
      String resets = " (resets at a " + a.resets() + ", at b " + b.resets() + ")";
      assertTrue(info.incarnation() >= 2, "a reset happened: " + info.incarnation() + resets);
      assertNotEquals(1, info.sequencerId(), "a new sequencer");
      assertTrue(count(GroupResetEvent.SEQUENCER_SILENT, a, b) >= 1, "a survivor noticed the silent sequencer" + resets);
      assertTrue(count(GroupResetEvent.COMPLETED, a, b) >= 1, "a survivor completed the reset as the new sequencer" + resets);
      await("the dead member is expelled", 5 * SECOND, () -> a.info().members().size() == 2);
    }
  }

  @Test
  void minorityStopsMajorityContinuesAndAllConvergeAfterHeal() throws Exception {
    int before = 100;
    int during = 200;
    try (GroupPool pool = new GroupPool(11); GroupPool.Collector c = new GroupPool.Collector()) {
      current = pool;
      collector = c;
      List<GroupMember> ms = pool.start(5, GroupPool.CONFIG);
      ms.forEach(c::watch);
      pool.faults(0.05, 0.05, 0.05);
      new Senders(ms, before).join();
      await("everyone delivers the first round", 10 * SECOND,
          () -> ms.stream().allMatch(m -> c.of(m).size() == 5 * before));

      // The sequencer (m0) ends up on the minority side.
      pool.partition(Set.of("m0", "m1"), Set.of("m2", "m3", "m4"));
      List<GroupMember> minority = ms.subList(0, 2);
      List<GroupMember> majority = ms.subList(2, 5);
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> sends = new ArrayList<>();
      for (int s = 0; s < 5; s++) {
        int sender = s;
        Thread t = new Thread(() -> {
          try {
            go.await();
            for (int i = before; i < before + during; i++) {
              ms.get(sender).send(GroupPool.payload(sender, i, 16));
            }
          } catch (InterruptedException | IllegalStateException e) {
            // test over
          }
        });
        t.setDaemon(true);
        t.start();
        sends.add(t);
      }
      go.countDown();
      int majorityTotal = 5 * before + 3 * during;
      await("the majority resets and delivers its messages", 20 * SECOND,
          () -> majority.stream().allMatch(m -> c.of(m).size() >= majorityTotal));
      int m0 = c.of(minority.get(0)).size();
      int m1 = c.of(minority.get(1)).size();
      assertTrue(majority.get(0).info().incarnation() > 1, "the majority reset");
      List<Long> reference = keys(c.of(majority.get(0)));
      for (GroupMember m : majority) {
        assertSame(reference, keys(c.of(m)), "the majority agrees");
      }
      for (GroupMember m : minority) {
        assertPrefix(keys(c.of(m)), reference, "the minority did not diverge");
        assertEquals(5 * before, c.of(m).size(), "the minority delivered nothing new");
      }
      assertEquals(m0, c.of(minority.get(0)).size());
      assertEquals(m1, c.of(minority.get(1)).size());

      pool.heal();
      int all = 5 * (before + during);
      await("everyone converges after the heal", 30 * SECOND,
          () -> ms.stream().allMatch(m -> c.of(m).size() >= all));
      List<Long> finalRef = keys(c.of(majority.get(0)));
      assertEquals(all, finalRef.size());
      assertEquals(all, finalRef.stream().distinct().count(), "no duplicates");
      for (GroupMember m : ms) {
        assertSame(finalRef, keys(c.of(m)), "one sequence everywhere: " + m);
      }
      await("the minority is back in the group", 5 * SECOND,
          () -> majority.get(0).info().members().size() == 5);
      for (Thread t : sends) {
        t.join(5000);
      }
    }
  }

  /**
   * b's clock jumps 150 ms at the cut, so b suspects the cut-off sequencer while c, which heard
   * it later, still vouches for it and refutes b. When c suspects in turn, b must not vouch for
   * the sequencer on c's earlier word: that made them refute each other's resets in turn, one
   * pair per failure timeout, until their timers drifted apart (seconds; under load longer).
   */
  @Test
  void aRefutedSuspicionDoesNotRefuteTheNext() throws Exception {
    GroupConfig cfg = GroupPool.CONFIG;
    AtomicLong skewB = new AtomicLong();
    try (GroupPool pool = new GroupPool(5)) {
      current = pool;
      collector = null;
      GroupMember a = GroupMember.create(pool.box("m0"), pool.port, cfg);
      pool.members.add(a);
      GroupMember b = GroupMember.join(pool.box("m1"), pool.port, cfg, 5 * SECOND,
          () -> System.nanoTime() + skewB.get());
      pool.members.add(b);
      GroupMember c = GroupMember.join(pool.box("m2"), pool.port, cfg, 5 * SECOND);
      pool.members.add(c);
      await("the JOIN accepted by all three", 5 * SECOND,
          () -> a.info().accepted() >= a.info().lastSeq() && b.info().members().size() == 3
              && c.info().members().size() == 3);

      pool.partition(Set.of("m0"), Set.of("m1", "m2"));
      skewB.addAndGet(cfg.failNanos() / 2);
      await("b and c elect a new sequencer", 20 * SECOND, () -> {
        GroupInfo ib = b.info();
        GroupInfo ic = c.info();
        return ib.incarnation() >= 2 && ib.incarnation() == ic.incarnation()
            && ib.sequencerId() == ic.sequencerId()
            && b.state() == GroupMember.State.MEMBER && c.state() == GroupMember.State.MEMBER;
      });
      String resets = " (resets at b " + b.resets() + ", at c " + c.resets() + ")";
      assertTrue(count(GroupResetEvent.REFUTED, b) >= 1, "c refuted b's early suspicion" + resets);
      assertTrue(count(GroupResetEvent.SEQUENCER_SILENT, b, c) <= 3,
          "one suspicion each, perhaps one more, not a run of mutual refutations" + resets);
    }
  }

  @Test
  void failureDetectionRunsOnTheInjectedClock() throws Exception {
    AtomicLong now = new AtomicLong(1_000 * SECOND);
    GroupConfig cfg = GroupPool.CONFIG;
    try (GroupPool pool = new GroupPool(3)) {
      current = pool;
      collector = null;
      GroupMember a = GroupMember.create(pool.box("m0"), pool.port, cfg, now::get);
      pool.members.add(a);
      GroupMember b = GroupMember.join(pool.box("m1"), pool.port, cfg, 5 * SECOND, now::get);
      GroupMember d = GroupMember.join(pool.box("m2"), pool.port, cfg, 5 * SECOND, now::get);
      pool.members.add(b);
      pool.members.add(d);
      // join() returns at the joiner's VIEW, before the group accepted the JOIN. Killed before
      // that, the accepted membership is {a, b}: b alone is no majority of it, and if b
      // coordinates the reset stalls (docs, "A join pending"). This test is about the clock.
      await("the JOIN accepted by all three", 5 * SECOND,
          () -> a.info().accepted() >= a.info().lastSeq() && b.info().members().size() == 3
              && d.info().members().size() == 3);
      pool.boxes.get(0).close();
      a.close();
      // Real time passes, the injected clock does not: nobody may suspect the sequencer.
      long until = System.nanoTime() + 3 * cfg.failNanos();
      while (System.nanoTime() < until) {
        assertEquals(GroupMember.State.MEMBER, b.state());
        assertEquals(GroupMember.State.MEMBER, d.state());
        LockSupport.parkNanos(5 * MS);
      }
      assertEquals(1, b.info().incarnation());
      // Now time moves, at the pace of real time (await polls every 2 ms; a faster clock makes
      // a loaded machine's late heartbeats look like deaths and resets cascade): the sequencer
      // is suspected, a reset elects a new one. A second reset is legal, agreement is the point.
      long start = System.nanoTime();
      long clockStart = now.get();
      await("a reset on the injected clock", 20 * SECOND, () -> {
        now.set(clockStart + System.nanoTime() - start);
        GroupInfo ib = b.info();
        GroupInfo id = d.info();
        return ib.incarnation() >= 2 && ib.incarnation() == id.incarnation()
            && ib.sequencerId() == id.sequencerId()
            && b.state() == GroupMember.State.MEMBER && d.state() == GroupMember.State.MEMBER;
      });
      b.send(new byte[8]);
      assertTrue(d.receive(TimeUnit.SECONDS.toNanos(5)) != null, "the group works again");
    }
  }
}
