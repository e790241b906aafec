package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.MS;
import static amoeba.ipc.group.GroupPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Who gives the sequencer its second holder in a 3-member group (members accept on receipt):
 * for a member's message, that member (lazily: after its delivery, or on its next DATA); for
 * the sequencer's own, the lowest-numbered member at once. The heartbeat is made too slow to
 * help, so the sequencer delivers only if those ACKs come; and the third member stays quiet,
 * since every packet costs its receiver a wake-up.
 */
class GroupAckTest {
  private static final int ROUNDS = 200;
  /** No heartbeat ACK, SYNC or suspicion within the test: only the per-message rules act. */
  private static final GroupConfig SLOW_BEAT =
      GroupPool.CONFIG.withTimers(30 * SECOND, 120 * SECOND, 20 * MS, 5 * MS);

  @Test
  void aMembersMessagesAreAckedByThatMemberAndTheSequencersByTheLowestMember() {
    try (GroupPool pool = new GroupPool(77)) {
      List<GroupMember> ms = pool.start(3, SLOW_BEAT);
      GroupMember sequencer = ms.get(0);
      GroupMember lowest = ms.get(1);
      GroupMember sender = ms.get(2);
      long lowestBefore = lowest.acksSent();
      for (int i = 0; i < ROUNDS; i++) {
        long id = sender.send(GroupPool.payload(2, i, 64));
        GroupMessage own = sender.receive(5 * SECOND);
        assertNotNull(own, "round " + i + ": the sender's own delivery");
        assertEquals(id, own.msgId());
      }
      for (int i = 0; i < ROUNDS; i++) {
        GroupMessage m = sequencer.receive(5 * SECOND);
        assertNotNull(m, "the sequencer delivers the sender's message " + i + " (its ACKs came)");
        assertEquals(i, GroupPool.key(m) & 0xFFFF_FFFFL);
      }
      assertTrue(lowest.acksSent() - lowestBefore <= 2,
          "the third member sent " + (lowest.acksSent() - lowestBefore) + " ACKs for "
              + ROUNDS + " messages of another member");

      for (int i = 0; i < ROUNDS; i++) {
        sequencer.send(GroupPool.payload(0, i, 64));
      }
      for (int i = 0; i < ROUNDS; i++) {
        GroupMessage m = sequencer.receive(5 * SECOND);
        assertNotNull(m, "the sequencer delivers its own message " + i + " (the lowest ACKed)");
        assertEquals(sequencer.info().memberId(), m.senderId());
      }
      assertTrue(lowest.acksSent() - lowestBefore >= 1, "the lowest member ACKed them");
    }
  }
}
