package amoeba.flip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.net.LoopbackNetwork;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Who reads the network (see {@link Pump}): a thread waiting on an idle endpoint must not stay
 * the reader while another thread gets every message, or each message costs a thread hand-off.
 */
class PumpLeadershipTest {
  static final long SECOND = 1_000_000_000L;
  static final int MESSAGES = 300;

  @Test
  void anIdleReaderLeavesTheReadingToTheThreadThatGetsTheMessages() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(1024, 65536);
    SplittableRandom random = new SplittableRandom(7);
    try (FlipBox a = new FlipBox(BoxConfig.defaults(7), List.of(hub.attach("a")), random);
        FlipBox b = new FlipBox(BoxConfig.defaults(7), List.of(hub.attach("b")), random)) {
      Endpoint idle = a.openRandom();
      Endpoint busy = a.openRandom();
      Endpoint sender = b.openRandom();
      assertTrue(sender.locate(busy.address(), 2 * SECOND));
      // The idle thread waits first, so it is the reader when the messages start.
      Thread idleThread = new Thread(() -> assertNull(idle.receive(30 * SECOND)), "idle");
      idleThread.start();
      awaitWaiting(idleThread);

      long handoffsBefore = a.count(Traffic.HANDOFFS);
      CompletableFuture<Integer> got = CompletableFuture.supplyAsync(() -> {
        int n = 0;
        for (int i = 0; i < MESSAGES; i++) {
          sender.send(busy.address(), ByteBuffer.wrap(new byte[] {(byte) i}));
          Message m = busy.receive(5 * SECOND); // one at a time: each finds the reader as it is
          assertNotNull(m, "message " + i);
          assertEquals((byte) i, m.payload().get(m.payload().position()));
          m.release();
          n++;
        }
        return n;
      });
      assertEquals(MESSAGES, got.get(60, TimeUnit.SECONDS));
      long handoffs = a.count(Traffic.HANDOFFS) - handoffsBefore;
      // With the idle thread reading throughout, every message is a hand-off (300). The idle
      // reader steps down once the busy thread has had a message: a few hand-offs at most.
      assertTrue(handoffs < MESSAGES / 10, handoffs + " of " + MESSAGES + " messages were handed off");
      assertTrue(a.count(Traffic.LEAD_STEPDOWNS) >= 1, "the idle reader stepped down");
      idle.close();
      idleThread.join(5_000);
    }
  }

  @Test
  void aMessageForAnIdleThreadArrivesAfterTheBusyReaderLeftForGood() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(1024, 65536);
    SplittableRandom random = new SplittableRandom(11);
    try (FlipBox a = new FlipBox(BoxConfig.defaults(7), List.of(hub.attach("a")), random);
        FlipBox b = new FlipBox(BoxConfig.defaults(7), List.of(hub.attach("b")), random)) {
      Endpoint idle = a.openRandom();
      Endpoint busy = a.openRandom();
      Endpoint sender = b.openRandom();
      assertTrue(sender.locate(busy.address(), 2 * SECOND));
      assertTrue(sender.locate(idle.address(), 2 * SECOND));
      CompletableFuture<Message> forIdle = CompletableFuture.supplyAsync(() -> idle.receive(30 * SECOND));
      // The busy thread reads and leaves with its message, every time: it leaves the lead free
      // (the idle thread is cold), and after the last one it never comes back.
      for (int i = 0; i < 50; i++) {
        sender.send(busy.address(), ByteBuffer.wrap(new byte[] {1}));
        Message m = busy.receive(5 * SECOND);
        assertNotNull(m, "message " + i);
        m.release();
      }
      sender.send(idle.address(), ByteBuffer.wrap(new byte[] {2}));
      Message m = forIdle.get(10, TimeUnit.SECONDS);
      assertNotNull(m, "the idle thread got its message with nobody else reading");
      assertEquals(2, m.payload().get(m.payload().position()));
      m.release();
    }
  }

  /** Until {@code t} is parked (in its receive), bounded. */
  private static void awaitWaiting(Thread t) throws InterruptedException {
    for (int i = 0; i < 5_000 && t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING; i++) {
      Thread.sleep(1);
    }
    assertTrue(t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.WAITING, "idle thread waits: " + t.getState());
  }
}
