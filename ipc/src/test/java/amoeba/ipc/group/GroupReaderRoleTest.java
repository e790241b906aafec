package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reader role (docs/architecture.md, "Threads"): an application thread in receive() runs
 * the protocol itself, so the driver must take over whenever no application receives, or the
 * member stops answering (no ACKs, no ordering) and is expelled or stalls the group.
 */
class GroupReaderRoleTest {
  private static final int MESSAGES = 3 * GroupPool.CONFIG.sendWindow(); // the window must turn over

  @Test
  void theProtocolRunsAtMembersWhoseApplicationsNeverReceive() {
    try (GroupPool pool = new GroupPool(41)) {
      List<GroupMember> ms = pool.start(3, GroupPool.CONFIG);
      GroupMember sender = ms.get(2); // the sequencer (0) and member 1 never call receive()
      sendAndReceiveOwn(sender, 0, MESSAGES);
      long last = sender.info().delivered();
      await("the silent members hold everything", 10 * SECOND,
          () -> ms.get(0).info().lastSeq() >= last && ms.get(1).info().lastSeq() >= last);
      assertEquals(0, ms.get(0).expulsions(), "nobody was expelled as silent");
      assertEquals(3, sender.info().members().size());
    }
  }

  @Test
  void aReceiverThatStopsReceivingHandsTheRoleBack() {
    try (GroupPool pool = new GroupPool(42)) {
      List<GroupMember> ms = pool.start(3, GroupPool.CONFIG);
      GroupMember quitter = ms.get(1); // the prompt ACKer of a 3-member group
      GroupMember sender = ms.get(2);
      sender.send(payload(0));
      assertNotNull(quitter.receive(5 * SECOND), "the quitter receives once, then never again");
      sendAndReceiveOwn(sender, 1, MESSAGES);
      long last = sender.info().delivered();
      await("the quitter's driver keeps it current", 10 * SECOND,
          () -> quitter.info().lastSeq() >= last);
      assertEquals(0, ms.get(0).expulsions(), "the quitter was not expelled as silent");
      // The sequencer delivers its own copies only with a second holder's ACK: the quitter's
      // (prompt) or the sender's (lazy); either way they must all arrive.
      for (int i = 0; i <= MESSAGES; i++) {
        assertNotNull(ms.get(0).receive(5 * SECOND), "the sequencer delivers message " + i);
      }
    }
  }

  /**
   * The lock is not fair: tight sending loops at every member, the sequencer's included, for
   * five failure-detection periods must not starve the reader (then heartbeats and ACKs stop,
   * and members are expelled or a reset starts).
   */
  @Test
  void sendingLoopsDoNotStarveTheProtocol() throws Exception {
    try (GroupPool pool = new GroupPool(43)) {
      List<GroupMember> ms = pool.start(3, GroupPool.CONFIG);
      long until = System.nanoTime() + 5 * GroupPool.CONFIG.failNanos();
      List<Thread> threads = new java.util.ArrayList<>();
      java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
      for (GroupMember m : ms) {
        Thread sender = new Thread(() -> {
          for (int i = 0; System.nanoTime() < until; i++) {
            if (m.send(payload(i), SECOND) >= 0) {
              sent.incrementAndGet();
            }
          }
        }, "tight-sender");
        Thread receiver = new Thread(() -> {
          while (System.nanoTime() < until + 2 * SECOND) {
            m.receive(100 * GroupPool.MS);
          }
        }, "receiver");
        threads.add(sender);
        threads.add(receiver);
      }
      threads.forEach(Thread::start);
      for (Thread t : threads) {
        t.join(30_000);
      }
      for (GroupMember m : ms) {
        assertEquals(GroupMember.State.MEMBER, m.state());
        assertEquals(1, m.info().incarnation(), "no reset");
        assertEquals(3, m.info().members().size(), "nobody expelled");
      }
      assertEquals(0, ms.get(0).expulsions());
      assertTrue(sent.get() > 3 * GroupPool.CONFIG.sendWindow(), "the windows turned over: " + sent.get());
    }
  }

  private static void sendAndReceiveOwn(GroupMember sender, int from, int n) {
    Thread receiver = new Thread(() -> {
      for (int got = 0; got < n; ) {
        GroupMessage g = sender.receive(5 * SECOND);
        if (g == null) {
          return;
        }
        if (g.senderId() == sender.info().memberId()) {
          got++;
        }
      }
    }, "own-deliveries");
    receiver.start();
    for (int i = from; i < from + n; i++) {
      sender.send(payload(i));
    }
    try {
      receiver.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertEquals(false, receiver.isAlive(), "the sender's own messages were all delivered");
  }

  private static void await(String what, long nanos, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + nanos;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(2 * GroupPool.MS);
    }
  }

  private static byte[] payload(int i) {
    return ByteBuffer.allocate(8).putInt(0, i).array();
  }
}
