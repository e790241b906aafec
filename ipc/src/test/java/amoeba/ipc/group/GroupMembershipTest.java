package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** join, leave, reset and info through the API, on a clean network. */
class GroupMembershipTest {

  @Test
  void joinLeaveResetAndInfo() {
    try (GroupPool pool = new GroupPool(21)) {
      List<GroupMember> ms = pool.start(3, GroupPool.CONFIG);
      GroupMember a = ms.get(0);
      GroupMember b = ms.get(1);
      GroupMember c = ms.get(2);
      // c's join returns at its VIEW; the sequencer counts it once the JOIN event is accepted.
      GroupRecoveryTest.await("the join is accepted at the sequencer", 5 * SECOND,
          () -> a.info().members().size() == 3);
      GroupInfo info = a.info();
      assertEquals(1, info.memberId());
      assertEquals(1, info.sequencerId());
      assertEquals(1, info.incarnation());
      assertEquals(List.of(1, 2, 3), List.copyOf(info.members().keySet()));
      assertEquals(c.address(), info.members().get(3));

      b.send(new byte[] {1, 2, 3});
      for (GroupMember m : ms) {
        GroupMessage g = m.receive(5 * SECOND);
        assertNotNull(g);
        assertEquals(2, g.senderId());
        assertEquals(1, g.msgId());
        assertArrayEquals(new byte[] {1, 2, 3}, g.data());
      }

      assertTrue(c.leave(5 * SECOND));
      assertEquals(GroupMember.State.LEFT, c.state());
      assertThrows(IllegalStateException.class, () -> c.send(new byte[1]));
      GroupRecoveryTest.await("the leave is everywhere", 5 * SECOND,
          () -> a.info().members().size() == 2 && b.info().members().size() == 2);

      // An application-forced reset: b coordinates, becomes sequencer of incarnation 2.
      assertTrue(b.reset(2, 5 * SECOND));
      assertEquals(2, b.info().incarnation());
      assertEquals(2, b.info().sequencerId());
      GroupRecoveryTest.await("a installs the new incarnation", 5 * SECOND,
          () -> a.info().incarnation() == 2 && a.state() == GroupMember.State.MEMBER);
      a.send(new byte[] {9});
      assertEquals(1, a.receive(5 * SECOND).senderId());
      assertEquals(1, b.receive(5 * SECOND).senderId());
      assertEquals(a.info().lastSeq(), b.info().lastSeq());
    }
  }
}
