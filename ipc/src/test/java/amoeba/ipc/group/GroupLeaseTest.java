package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.MS;
import static amoeba.ipc.group.GroupPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sequencer's lease (docs/architecture.md, "The lease"): held only while a majority echoes
 * its stamps, and never while another sequencer could have been elected: a deposed sequencer
 * (a partitioned minority) gives no read index once the majority has a new incarnation, after a
 * suspicion reset or a forced one.
 */
class GroupLeaseTest {
  static final GroupConfig CFG = GroupPool.CONFIG;

  @Test
  void theLeaseLapsesWhenTheSequencerLosesTheMajority() throws Exception {
    AtomicLong skew = new AtomicLong(); // the sequencer's clock: real pace, plus jumps
    LongSupplier clockA = () -> System.nanoTime() + skew.get();
    try (GroupPool pool = new GroupPool(41)) {
      List<GroupMember> ms = pool.start(3, CFG, clockA);
      GroupMember a = ms.get(0);
      GroupMember b = ms.get(1);
      GroupMember c = ms.get(2);
      GroupRecoveryTest.await("the lease", 5 * SECOND, () -> a.readIndex() >= 0);
      assertEquals(-1, b.readIndex(), "only the sequencer reads by lease");
      assertEquals(-1, c.readIndex());

      // A message delivered anywhere is covered by the read index from then on.
      b.send(new byte[8]);
      GroupMessage m = b.receive(5 * SECOND);
      GroupRecoveryTest.await("the lease after the send", 5 * SECOND, () -> a.readIndex() >= 0);
      assertTrue(a.readIndex() >= m.seq(), "read index " + a.readIndex() + " covers seq " + m.seq());

      // Cut off, with its clock past the lease span: no echo can renew it.
      pool.partition(Set.of("m0"), Set.of("m1", "m2"));
      skew.addAndGet(CFG.failNanos() - CFG.failNanos() / 4 + MS);
      long until = System.nanoTime() + 3 * CFG.failNanos();
      while (System.nanoTime() < until) {
        assertEquals(-1, a.readIndex(), "no lease without a majority");
        LockSupport.parkNanos(5 * MS);
      }
    }
  }

  @ParameterizedTest(name = "forced reset: {0}")
  @ValueSource(booleans = {false, true})
  void aDeposedSequencerGivesNoReadIndexOnceAnotherIsElected(boolean forced) throws Exception {
    try (GroupPool pool = new GroupPool(forced ? 43 : 42)) {
      List<GroupMember> ms = pool.start(3, CFG);
      GroupMember a = ms.get(0);
      GroupMember b = ms.get(1);
      GroupMember c = ms.get(2);
      GroupRecoveryTest.await("the lease", 5 * SECOND, () -> a.readIndex() >= 0);
      // join() returns before the group accepted the JOIN: cut before b holds it, {a, b} would
      // be the membership, b alone no majority of it (seen in CI; docs, "A join pending").
      GroupRecoveryTest.await("the JOIN accepted by all three", 5 * SECOND,
          () -> a.info().accepted() >= a.info().lastSeq() && b.info().members().size() == 3
              && c.info().members().size() == 3);

      pool.partition(Set.of("m0"), Set.of("m1", "m2"));
      boolean heldAfterCut = a.readIndex() >= 0;
      Thread reset = null;
      if (forced) {
        // The application forces a reset at once: its voters must still wait out the lease.
        reset = new Thread(() -> c.reset(2, 10 * SECOND), "forced-reset");
        reset.start();
      }
      // Watch, in real-time order: once the majority side has a new incarnation (observed
      // first), the old sequencer must not answer a read index (observed after).
      boolean elected = false;
      long deadline = System.nanoTime() + 20 * SECOND;
      while (!elected) {
        assertTrue(System.nanoTime() < deadline, () -> "the majority elects a new sequencer: b " + b.info()
            + " resets " + b.resets() + ", c " + c.info() + " resets " + c.resets());
        elected = isNewSequencer(b) || isNewSequencer(c);
        long index = a.readIndex();
        assertFalse(elected && index >= 0, "a stale lease read at the deposed sequencer");
        LockSupport.parkNanos(100_000L);
      }
      for (int i = 0; i < 50; i++) {
        assertEquals(-1, a.readIndex());
        LockSupport.parkNanos(MS);
      }
      assertTrue(heldAfterCut, "the lease was still held when cut (the check is not vacuous)");
      if (reset != null) {
        reset.join(15_000);
      }
    }
  }

  private static boolean isNewSequencer(GroupMember m) {
    GroupInfo i = m.info();
    return i.state() == GroupMember.State.MEMBER && i.incarnation() >= 2 && i.sequencerId() == i.memberId();
  }
}
