package amoeba.flip.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LoopbackNetworkTest {

  private static final long FIVE_SECONDS_NS = TimeUnit.SECONDS.toNanos(5);

  private static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String received(ByteBuffer into) {
    into.flip();
    byte[] b = new byte[into.remaining()];
    into.get(b);
    into.clear();
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void unicastCarriesBytesAndSenderAndLeavesThePacketUnchanged() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork a = hub.attach("a");
        LoopbackNetwork b = hub.attach("b")) {
      ByteBuffer packet = text("xxhello");
      packet.position(2);
      a.send(packet, b.self());
      assertEquals(2, packet.position());

      ByteBuffer into = ByteBuffer.allocate(100);
      assertSame(a.self(), b.receive(into, 0));
      assertEquals("hello", received(into));
      assertNull(a.receive(into, 0), "a sent nothing to itself");
      assertNull(b.receive(into, 0), "delivered once");

      b.send(text("back"), a.self());
      assertEquals(new LoopbackStation("b"), a.receive(into, 0));
      assertEquals("back", received(into));
      assertEquals("loop:a", a.self().toString());
    }
  }

  @Test
  void broadcastReachesEveryNetworkIncludingTheSender() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork a = hub.attach("a");
        LoopbackNetwork b = hub.attach("b");
        LoopbackNetwork c = hub.attach("c")) {
      b.broadcast(text("all"));
      ByteBuffer into = ByteBuffer.allocate(100);
      for (LoopbackNetwork n : new LoopbackNetwork[] {a, b, c}) {
        assertEquals(b.self(), n.receive(into, 0), n.name());
        assertEquals("all", received(into));
        assertNull(n.receive(into, 0), n.name());
      }
    }
  }

  @Test
  void inboxOverflowIsDroppedAndCounted() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(4, 1024);
    try (LoopbackNetwork a = hub.attach("a");
        LoopbackNetwork b = hub.attach("b")) {
      for (int i = 0; i < 10; i++) {
        a.send(text("p" + i), b.self());
      }
      assertEquals(6, b.inboxDrops());
      assertEquals(4, b.queued());
      ByteBuffer into = ByteBuffer.allocate(100);
      for (int i = 0; i < 4; i++) {
        assertEquals(a.self(), b.receive(into, 0));
        assertEquals("p" + i, received(into), "oldest first, the overflow is the tail");
      }
      assertNull(b.receive(into, 0));
    }
  }

  @Test
  void oversizePacketsAreCountedAndLongPacketsTruncated() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(8, 16);
    try (LoopbackNetwork a = hub.attach("a");
        LoopbackNetwork b = hub.attach("b")) {
      a.send(ByteBuffer.allocate(17), b.self());
      a.broadcast(ByteBuffer.allocate(17));
      assertEquals(2, a.oversizeDrops());
      a.send(text("0123456789"), b.self());
      ByteBuffer small = ByteBuffer.allocate(4);
      assertEquals(a.self(), b.receive(small, 0));
      assertEquals("0123", received(small));
      a.send(text("x"), new Station() {});
      assertEquals(1, a.foreignStationDrops());
    }
  }

  @Test
  void wakeupMakesABlockedReceiveReturnNullPromptly() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork a = hub.attach("a")) {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch returned = new CountDownLatch(1);
      AtomicReference<Object> result = new AtomicReference<>("not returned");
      Thread receiver =
          new Thread(
              () -> {
                entered.countDown();
                try {
                  result.set(a.receive(ByteBuffer.allocate(64), TimeUnit.SECONDS.toNanos(60)));
                } catch (Exception e) {
                  result.set(e);
                }
                returned.countDown();
              });
      receiver.start();
      assertTrue(entered.await(5, TimeUnit.SECONDS));
      long t0 = System.nanoTime();
      a.wakeup(); // before or during the receive: either way it returns null
      assertTrue(returned.await(5, TimeUnit.SECONDS), "receive did not return after wakeup");
      assertTrue(System.nanoTime() - t0 < FIVE_SECONDS_NS);
      assertNull(result.get());
      receiver.join(5_000);
    }
  }

  @Test
  void aBlockedReceiveGetsAPacketSentFromAnotherThread() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork a = hub.attach("a");
        LoopbackNetwork b = hub.attach("b")) {
      CountDownLatch returned = new CountDownLatch(1);
      AtomicReference<Object> result = new AtomicReference<>();
      Thread receiver =
          new Thread(
              () -> {
                try {
                  result.set(b.receive(ByteBuffer.allocate(64), FIVE_SECONDS_NS));
                } catch (Exception e) {
                  result.set(e);
                }
                returned.countDown();
              });
      receiver.start();
      a.send(text("wake"), b.self());
      assertTrue(returned.await(5, TimeUnit.SECONDS));
      assertEquals(a.self(), result.get());
      receiver.join(5_000);
    }
  }

  @Test
  void closingDetachesFreesTheNameAndIsIdempotent() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork a = hub.attach("a")) {
      LoopbackNetwork b = hub.attach("b");
      assertThrows(IllegalArgumentException.class, () -> hub.attach("b"));
      b.close();
      b.close();
      assertEquals(1, hub.size());
      a.send(text("lost"), new LoopbackStation("b"));
      a.send(text("lost"), new LoopbackStation("nobody"));
      assertEquals(2, hub.undeliverable());
      assertThrows(ClosedChannelException.class, () -> b.send(text("x"), a.self()));
      assertThrows(ClosedChannelException.class, () -> b.receive(ByteBuffer.allocate(8), 0));
      try (LoopbackNetwork again = hub.attach("b")) {
        a.send(text("found"), new LoopbackStation("b"));
        ByteBuffer into = ByteBuffer.allocate(8);
        assertEquals(a.self(), again.receive(into, 0));
        assertEquals("found", received(into));
      }
    }
  }
}
