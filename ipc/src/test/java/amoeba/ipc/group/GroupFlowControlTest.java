package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.MS;
import static amoeba.ipc.group.GroupPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A member whose application never receives fills its buffer and stops acknowledging; the
 * sequencer's history is fixed-size, so it stops ordering (senders block on their windows)
 * until, after failNanos, it expels the member holding the history back and tells it.
 */
class GroupFlowControlTest {

  @Test
  void aMemberThatDoesNotKeepUpIsExpelledAndTheOthersContinue() throws Exception {
    GroupConfig cfg = GroupPool.CONFIG.withBuffers(64, 16)
        .withTimers(5 * MS, 200 * MS, 20 * MS, 5 * MS);
    int perSender = 300;
    try (GroupPool pool = new GroupPool(5); GroupPool.Collector c = new GroupPool.Collector()) {
      GroupRecoveryTest.current = pool;
      GroupRecoveryTest.collector = c;
      List<GroupMember> ms = pool.start(3, cfg);
      GroupMember slow = ms.get(2); // nobody ever calls receive on it
      long slowStart = slow.info().delivered();
      c.watch(ms.get(0));
      c.watch(ms.get(1));
      new GroupRecoveryTest.Senders(ms.subList(0, 2), perSender);
      GroupRecoveryTest.await("the others deliver everything", 30 * SECOND,
          () -> c.of(ms.get(0)).size() == 2 * perSender && c.of(ms.get(1)).size() == 2 * perSender);
      GroupRecoveryTest.assertSame(GroupRecoveryTest.keys(c.of(ms.get(0))),
          GroupRecoveryTest.keys(c.of(ms.get(1))), "agreement");
      assertTrue(ms.get(0).expulsions() >= 1, "the slow member was expelled");
      assertEquals(slowStart, slow.info().delivered(), "it never consumed anything");
      assertTrue(slow.info().lastSeq() < 2 * perSender, "it was cut off, not fed without bound");
    }
  }
}
