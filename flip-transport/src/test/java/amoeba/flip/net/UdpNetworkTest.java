package amoeba.flip.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Real sockets, loopback only: every network here uses the safe defaults (interface lo,
 * multicast TTL 0, unicast on 127.0.0.1). Each test picks a fresh group port so concurrent test
 * runs on the host do not hear each other; packets that still do not match are skipped.
 */
class UdpNetworkTest {

  private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(5);

  private static UdpConfig.Builder onLo(int groupPort) {
    return UdpConfig.builder().groupPort(groupPort); // defaults: lo, TTL 0, 127.0.0.1
  }

  private static UdpNetwork open(UdpConfig config) {
    try {
      return new UdpNetwork(config);
    } catch (IOException e) {
      return fail(
          "cannot open UDP with multicast on lo (" + config.group().getHostAddress() + ":"
              + config.groupPort() + "); this environment must allow multicast on the loopback"
              + " interface: " + e,
          e);
    }
  }

  private static ByteBuffer tagged(long tag, int length) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(length, 8));
    b.putLong(0, tag);
    return b;
  }

  /**
   * Receives until a packet starting with {@code tag} arrives; at most 100 packets and 5 s.
   * Returns the sender; the packet is left in {@code into} (flipped).
   */
  private static Station await(Network n, ByteBuffer into, long tag, String what)
      throws IOException {
    long deadline = System.nanoTime() + WAIT_NS;
    for (int i = 0; i < 100; i++) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      into.clear();
      Station from = n.receive(into, left);
      if (from == null) {
        continue; // spurious: loop re-checks the deadline
      }
      into.flip();
      if (into.remaining() >= 8 && into.getLong(0) == tag) {
        return from;
      }
    }
    return fail(what + ": nothing arrived at " + n.name() + " within 5 s");
  }

  @Test
  void unicastBothWays() throws Exception {
    int port = UdpNetworkTestPorts.free();
    try (UdpNetwork a = open(onLo(port).build());
        UdpNetwork b = open(onLo(port).build())) {
      assertTrue(a.self().toString().startsWith("udp:127.0.0.1:"), a.self().toString());
      ByteBuffer into = ByteBuffer.allocate(2048);
      ByteBuffer ping = tagged(1, 100);
      a.send(ping, b.self());
      assertEquals(0, ping.position(), "send leaves the packet as it was");
      assertEquals(a.self(), await(b, into, 1, "unicast a->b"));
      assertEquals(100, into.remaining());

      b.send(tagged(2, 50), a.self());
      Station from = await(a, into, 2, "unicast b->a");
      assertEquals(b.self(), from);
      b.send(tagged(3, 50), a.self());
      assertSame(from, await(a, into, 3, "unicast b->a again"), "one station instance per peer");
    }
  }

  @Test
  void multicastReachesEveryBoxIncludingTheSender() throws Exception {
    int port = UdpNetworkTestPorts.free();
    try (UdpNetwork a = open(onLo(port).build());
        UdpNetwork b = open(onLo(port).build())) {
      assertTrue(a.usesMulticast());
      assertEquals("udp:lo:239.77.0.1:" + port, a.name());
      a.broadcast(tagged(10, 64));
      ByteBuffer into = ByteBuffer.allocate(2048);
      String hint = "multicast on lo (check IP_MULTICAST_LOOP and the lo interface)";
      assertEquals(a.self(), await(a, into, 10, hint + ", own copy"));
      assertEquals(a.self(), await(b, into, 10, hint));
      b.broadcast(tagged(11, 64));
      assertEquals(b.self(), await(a, into, 11, hint));
      assertEquals(b.self(), await(b, into, 11, hint + ", own copy"));
    }
  }

  @Test
  void aSixtyThousandByteDatagramArrivesIntact() throws Exception {
    int port = UdpNetworkTestPorts.free();
    UdpConfig big = onLo(port).maxPacketBytes(UdpConfig.MAX_UDP_PAYLOAD_BYTES).build();
    try (UdpNetwork a = open(big);
        UdpNetwork b = open(big)) {
      byte[] payload = new byte[60_000];
      new Random(60_000).nextBytes(payload);
      ByteBuffer.wrap(payload).putLong(0, 20);
      ByteBuffer into = ByteBuffer.allocate(UdpConfig.MAX_UDP_PAYLOAD_BYTES);

      a.send(ByteBuffer.wrap(payload), b.self());
      assertEquals(a.self(), await(b, into, 20, "60,000-byte unicast"));
      assertArrayEquals(payload, Arrays.copyOf(into.array(), into.remaining()));

      ByteBuffer.wrap(payload).putLong(0, 21);
      a.broadcast(ByteBuffer.wrap(payload));
      assertEquals(a.self(), await(b, into, 21, "60,000-byte multicast"));
      assertArrayEquals(payload, Arrays.copyOf(into.array(), into.remaining()));
    }
  }

  @Test
  void oversizeIsCountedNotThrownAndClosedIsAnError() throws Exception {
    int port = UdpNetworkTestPorts.free();
    UdpNetwork a = open(onLo(port).build());
    try (UdpNetwork b = open(onLo(port).build())) {
      assertEquals(UdpConfig.LAN_MAX_PACKET_BYTES, a.maxPacketBytes());
      a.send(ByteBuffer.allocate(UdpConfig.LAN_MAX_PACKET_BYTES + 1), b.self());
      a.broadcast(ByteBuffer.allocate(UdpConfig.LAN_MAX_PACKET_BYTES + 1));
      assertEquals(2, a.oversizeDrops());
      a.send(ByteBuffer.allocate(8), new LoopbackStation("elsewhere"));
      assertEquals(1, a.foreignStationDrops());
      assertEquals(0, a.sendFailures());
      assertNull(b.receive(ByteBuffer.allocate(2048), 0), "nothing was sent");
    } finally {
      a.close();
    }
    a.close(); // idempotent
    assertThrows(ClosedChannelException.class, () -> a.send(ByteBuffer.allocate(8), a.self()));
    assertThrows(ClosedChannelException.class, () -> a.broadcast(ByteBuffer.allocate(8)));
    assertThrows(ClosedChannelException.class, () -> a.receive(ByteBuffer.allocate(8), 0));
  }

  @Test
  void wakeupMakesABlockedReceiveReturnNullPromptly() throws Exception {
    try (UdpNetwork a = open(onLo(UdpNetworkTestPorts.free()).build())) {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch returned = new CountDownLatch(1);
      AtomicReference<Object> result = new AtomicReference<>("not returned");
      Thread receiver =
          new Thread(
              () -> {
                entered.countDown();
                try {
                  result.set(a.receive(ByteBuffer.allocate(2048), TimeUnit.SECONDS.toNanos(60)));
                } catch (Exception e) {
                  result.set(e);
                }
                returned.countDown();
              });
      receiver.start();
      assertTrue(entered.await(5, TimeUnit.SECONDS));
      a.wakeup(); // before or during the receive: either way it returns null
      assertTrue(returned.await(5, TimeUnit.SECONDS), "receive did not return after wakeup");
      assertNull(result.get());
      receiver.join(5_000);
    }
  }

  @Test
  void closeEndsABlockedReceiveWithClosedChannelException() throws Exception {
    UdpNetwork a = open(onLo(UdpNetworkTestPorts.free()).build());
    try {
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch returned = new CountDownLatch(1);
      AtomicReference<Object> result = new AtomicReference<>("not returned");
      Thread receiver =
          new Thread(
              () -> {
                entered.countDown();
                try {
                  result.set(a.receive(ByteBuffer.allocate(2048), TimeUnit.SECONDS.toNanos(60)));
                } catch (Exception e) {
                  result.set(e);
                }
                returned.countDown();
              });
      receiver.start();
      assertTrue(entered.await(5, TimeUnit.SECONDS));
      a.close();
      assertTrue(returned.await(5, TimeUnit.SECONDS), "receive did not return after close");
      assertTrue(result.get() instanceof ClosedChannelException, String.valueOf(result.get()));
      receiver.join(5_000);
    } finally {
      a.close();
    }
  }

  @Test
  void aShortTimeoutReturnsNull() throws Exception {
    try (UdpNetwork a = open(onLo(UdpNetworkTestPorts.free()).build())) {
      long t0 = System.nanoTime();
      assertNull(a.receive(ByteBuffer.allocate(2048), TimeUnit.MILLISECONDS.toNanos(20)));
      long tookNs = System.nanoTime() - t0;
      assertTrue(tookNs >= TimeUnit.MILLISECONDS.toNanos(19) && tookNs < WAIT_NS, "took " + tookNs);
    }
  }

  @Test
  void peerListModeBroadcastsByUnicastToEveryPeerAndSelf() throws Exception {
    List<InetSocketAddress> peers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      peers.add(new InetSocketAddress("127.0.0.1", UdpNetworkTestPorts.free()));
    }
    List<UdpNetwork> nets = new ArrayList<>();
    try {
      for (InetSocketAddress p : peers) {
        nets.add(open(UdpConfig.builder().bindPort(p.getPort()).peers(peers).build()));
      }
      UdpNetwork a = nets.get(0);
      assertFalse(a.usesMulticast());
      a.broadcast(tagged(30, 40));
      ByteBuffer into = ByteBuffer.allocate(2048);
      for (UdpNetwork n : nets) {
        assertEquals(a.self(), await(n, into, 30, "peer-list broadcast"));
      }
      for (UdpNetwork n : nets) {
        assertNull(n.receive(into.clear(), 0), "exactly one copy each");
      }
    } finally {
      nets.forEach(UdpNetwork::close);
    }
  }

  /**
   * Group packets go to the IP group their FLIP group hashes to: a box that subscribed hears
   * them, one that did not is not even woken (loopback delivers inside sendto, so once the
   * subscriber has the packet an unsubscribed socket would hold it too), one that subscribed to
   * all (a router) does; broadcasts still reach everybody.
   */
  @Test
  void groupPacketsReachOnlyTheBoxesSubscribedToTheirChannel() throws Exception {
    int port = UdpNetworkTestPorts.free();
    long group = 0x8000_0000_0000_1234L;
    long other = group + 1;
    while (UdpNetwork.channelOf(other) == UdpNetwork.channelOf(group)) {
      other++;
    }
    try (UdpNetwork sender = open(onLo(port).build());
        UdpNetwork member = open(onLo(port).build());
        UdpNetwork bystander = open(onLo(port).build());
        UdpNetwork router = open(onLo(port).build())) {
      member.subscribe(group);
      bystander.subscribe(other);
      router.subscribeAll();
      ByteBuffer into = ByteBuffer.allocate(64);
      sender.multicast(tagged(1, 16), group);
      assertEquals(sender.self(), await(member, into, 1, "the member"));
      assertEquals(sender.self(), await(router, into, 1, "the router"));
      into.clear();
      assertNull(bystander.receive(into, 0), "a box on another channel holds nothing");

      sender.broadcast(tagged(2, 16));
      await(bystander, into, 2, "a broadcast");
      await(member, into, 2, "a broadcast");

      member.unsubscribe(group);
      sender.multicast(tagged(3, 16), group);
      await(router, into, 3, "the router, again");
      into.clear();
      assertNull(member.receive(into, 0), "unsubscribed: nothing more");
    }
  }

  /**
   * A queue of unicast packets that never empties must not hide the group: a multicast that
   * arrives behind 500 queued unicasts is read within a few dozen packets.
   */
  @Test
  void aFloodOnOneSocketDoesNotStarveTheOthers() throws Exception {
    int port = UdpNetworkTestPorts.free();
    try (UdpNetwork sender = open(onLo(port).build()); UdpNetwork receiver = open(onLo(port).build())) {
      for (int i = 0; i < 500; i++) {
        sender.send(tagged(1, 16), receiver.self());
      }
      ByteBuffer into = ByteBuffer.allocate(64);
      await(receiver, into, 1, "the first unicast");
      sender.broadcast(tagged(2, 16)); // queued behind 499 unicasts, on the other socket
      int reads = 0;
      do {
        into.clear();
        assertTrue(receiver.receive(into, WAIT_NS) != null, "a packet");
        reads++;
      } while (into.getLong(0) != 2);
      assertTrue(reads <= 64, "the multicast came after " + reads + " of the queued unicasts");
    }
  }

  @Test
  void flipGroupsSpreadOverEveryChannel() {
    java.util.Set<Integer> seen = new java.util.TreeSet<>();
    Random r = new Random(1);
    for (int i = 0; i < 1000; i++) {
      int k = UdpNetwork.channelOf(r.nextLong());
      assertTrue(k >= 1 && k <= UdpNetwork.CHANNELS, "channel " + k);
      seen.add(k);
    }
    assertEquals(UdpNetwork.CHANNELS, seen.size(), "every channel used: " + seen);
  }

  @Test
  void aMissingInterfaceIsAClearError() {
    UdpConfig config = UdpConfig.builder().interfaceName("nosuchif0").groupPort(7799).build();
    IOException e = assertThrows(IOException.class, () -> new UdpNetwork(config));
    assertTrue(e.getMessage().contains("nosuchif0"), e.getMessage());
  }

  @Test
  void configRejectsNonsense() {
    assertThrows(
        IllegalArgumentException.class, () -> UdpConfig.builder().group("10.0.0.1").build());
    assertThrows(IllegalArgumentException.class, () -> UdpConfig.builder().ttl(256).build());
    assertThrows(
        IllegalArgumentException.class, () -> UdpConfig.builder().maxPacketBytes(65508).build());
    assertThrows(IllegalArgumentException.class, () -> UdpConfig.builder().group("example.org"));
    UdpConfig d = UdpConfig.defaults();
    assertEquals("lo", d.interfaceName());
    assertEquals("239.77.0.1", d.group().getHostAddress());
    assertEquals(7700, d.groupPort());
    assertEquals(0, d.ttl());
    assertEquals("127.0.0.1", d.bindAddress().getHostAddress());
    assertEquals(d, d.toBuilder().build());
  }
}
