package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated fault schedules over 3 members: seeded loss, duplication and reordering, plus one
 * disruption mid-stream (none, the sequencer crashes, another member crashes, one member is
 * partitioned away and healed, the sequencer is cut off and comes back with its old incarnation,
 * what reaches the sequencer is held back twice the failure timeout, as if its JVM were paused). Invariants: members that stay agree on one sequence with no
 * gaps or duplicates, each sender's order is kept, whatever a crashed member delivered is a
 * prefix of it, and every message of a surviving sender is delivered.
 */
class GroupFaultSchedulePropertyTest {
  enum Disruption { NONE, CRASH_SEQUENCER, CRASH_MEMBER, PARTITION_ONE, PARTITION_SEQUENCER,
    STALL_SEQUENCER }

  @Property(tries = 24, seed = "20261126")
  void survivorsAgreeOnOneSequence(
      @ForAll @LongRange(min = 1, max = 1_000_000) long seed,
      @ForAll @DoubleRange(min = 0, max = 0.25) double loss,
      @ForAll @DoubleRange(min = 0, max = 0.25) double dup,
      @ForAll @DoubleRange(min = 0, max = 0.25) double reorder,
      @ForAll Disruption disruption,
      @ForAll @IntRange(min = 0, max = 1) int resilience,
      @ForAll @IntRange(min = 30, max = 150) int disruptAfter) {
    Statistics.collect(disruption); // the report shows which disruptions the seed covered
    int perSender = 100;
    try (GroupPool pool = new GroupPool(seed); GroupPool.Collector c = new GroupPool.Collector()) {
      GroupRecoveryTest.current = pool;
      GroupRecoveryTest.collector = c;
      List<GroupMember> ms = pool.start(3, GroupPool.CONFIG.withResilience(resilience));
      ms.forEach(c::watch);
      pool.faults(loss, dup, reorder);
      GroupRecoveryTest.Senders senders = new GroupRecoveryTest.Senders(ms, perSender);
      GroupRecoveryTest.await("traffic", 20 * SECOND, () -> c.of(ms.get(1)).size() >= disruptAfter);
      int crashed = -1;
      switch (disruption) {
        case CRASH_SEQUENCER -> crashed = 0;
        case CRASH_MEMBER -> crashed = 2;
        case PARTITION_ONE -> pool.partition(Set.of("m0", "m1"), Set.of("m2"));
        case PARTITION_SEQUENCER -> {
          // The others reset without it; healed, it must give up its stale incarnation.
          pool.partition(Set.of("m0"), Set.of("m1", "m2"));
          GroupRecoveryTest.await("a reset without the sequencer", 20 * SECOND,
              () -> ms.get(1).info().incarnation() > 1 && ms.get(1).state() == GroupMember.State.MEMBER);
          pool.heal();
        }
        case STALL_SEQUENCER -> {
          // What reaches the sequencer arrives a failure timeout late, as to a paused JVM: it
          // acts on stale ACKs and NAKs (expels members that were alive, who must rejoin).
          long stall = 2 * GroupPool.CONFIG.failNanos();
          pool.nets.get(0).setDelay(stall, stall / 2);
          GroupRecoveryTest.await("packets held back from the sequencer", 20 * SECOND,
              () -> pool.nets.get(0).delayed() >= 500);
          pool.nets.get(0).setDelay(0, 0);
        }
        case NONE -> { }
      }
      if (crashed >= 0) {
        pool.boxes.get(crashed).close();
        ms.get(crashed).close();
      }
      List<Long> crashedSaw = crashed >= 0 ? GroupRecoveryTest.keys(c.of(ms.get(crashed))) : null;
      if (disruption == Disruption.PARTITION_ONE) {
        // The majority goes on without the cut-off member (it expels it; the others' senders
        // may have finished already, so the proof is the view, not more deliveries)...
        int cut = ms.get(2).info().memberId();
        GroupRecoveryTest.await("the majority continues", 20 * SECOND, () -> {
          GroupInfo i = ms.get(0).info();
          return i.state() == GroupMember.State.MEMBER && !i.members().containsKey(cut)
              && i.members().size() == 2;
        });
        pool.heal(); // ...and it catches up after the heal.
      }
      List<GroupMember> stay = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        if (i != crashed) {
          stay.add(ms.get(i));
        }
      }
      int finalCrashed = crashed;
      GroupRecoveryTest.await("survivors deliver every survivor message", 30 * SECOND, () -> {
        for (GroupMember m : stay) {
          int[] per = new int[3];
          for (long k : GroupRecoveryTest.keys(c.of(m))) {
            per[(int) (k >>> 32)]++;
          }
          for (int s = 0; s < 3; s++) {
            if (s != finalCrashed && per[s] < perSender) {
              return false;
            }
          }
        }
        return true;
      });
      // Quiescent: nothing ordered is still waiting, and every member delivered all of it.
      GroupRecoveryTest.await("quiescence", 20 * SECOND, () -> {
        GroupInfo i0 = stay.get(0).info();
        return stay.stream().allMatch(m -> {
          GroupInfo i = m.info();
          return i.lastSeq() == i0.lastSeq() && i.accepted() == i.lastSeq()
              && i.delivered() == i.accepted() && c.of(m).size() == c.of(stay.get(0)).size();
        });
      });
      List<Long> reference = GroupRecoveryTest.keys(c.of(stay.get(0)));
      assertEquals(reference.size(), reference.stream().distinct().count(), "no duplicates");
      for (GroupMember m : stay) {
        GroupRecoveryTest.assertSame(reference, GroupRecoveryTest.keys(c.of(m)), "agreement");
        List<long[]> got = c.of(m);
        for (int i = 1; i < got.size(); i++) {
          assertTrue(got.get(i)[0] > got.get(i - 1)[0], "seqs increase");
        }
      }
      int[] next = new int[3];
      for (long k : reference) {
        assertEquals(next[(int) (k >>> 32)]++, (int) k, "sender FIFO order");
      }
      if (crashedSaw != null) {
        GroupRecoveryTest.assertPrefix(crashedSaw, reference, "the crashed member's deliveries");
      }
    }
  }
}
