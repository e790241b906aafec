package amoeba.flip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.net.LoopbackNetwork;
import amoeba.flip.net.Network;
import amoeba.flip.net.Station;
import amoeba.flip.stats.DropReason;
import amoeba.flip.wire.FlipAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The box over the in-JVM loopback network: locate, here-is, not-here, multicast. */
class FlipBoxTest {
  static final long SECOND = 1_000_000_000L;
  // Inboxes deep enough for a 4 MiB message in 1400-byte fragments: FLIP has no flow control.
  final LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(8192, 65536);
  final RandomGenerator random = new SplittableRandom(42);
  final List<FlipBox> boxes = new ArrayList<>();

  FlipBox box(String name) {
    FlipBox b = new FlipBox(BoxConfig.defaults(7), List.of(hub.attach(name)), random);
    boxes.add(b);
    return b;
  }

  @AfterEach
  void closeBoxes() {
    boxes.forEach(FlipBox::close);
  }

  static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  static String text(Message m) {
    ByteBuffer p = m.payload();
    byte[] b = new byte[p.remaining()];
    p.get(p.position(), b);
    m.release();
    return new String(b, StandardCharsets.UTF_8);
  }

  /** A network that only counts what the box subscribes. */
  static final class Subscriptions implements Network {
    final Map<Long, Integer> count = new ConcurrentHashMap<>();
    final Network inner;

    Subscriptions(Network inner) {
      this.inner = inner;
    }

    @Override public void subscribe(long group) {
      count.merge(group, 1, Integer::sum);
    }

    @Override public void unsubscribe(long group) {
      count.merge(group, -1, Integer::sum);
    }

    @Override public String name() {
      return inner.name();
    }

    @Override public Station self() {
      return inner.self();
    }

    @Override public int maxPacketBytes() {
      return inner.maxPacketBytes();
    }

    @Override public void send(ByteBuffer packet, Station to) throws IOException {
      inner.send(packet, to);
    }

    @Override public void broadcast(ByteBuffer packet) throws IOException {
      inner.broadcast(packet);
    }

    @Override public Station receive(ByteBuffer into, long timeoutNanos) throws IOException {
      return inner.receive(into, timeoutNanos);
    }

    @Override public void wakeup() {
      inner.wakeup();
    }

    @Override public void close() {
      inner.close();
    }
  }

  /** The box subscribes its networks to a group while it has a member of it: once, not per member. */
  @Test
  void aBoxSubscribesItsNetworksWhileItHasMembersOfAGroup() {
    Subscriptions net = new Subscriptions(hub.attach("s"));
    FlipBox box = new FlipBox(BoxConfig.defaults(7), List.of(net), random);
    boxes.add(box);
    long group = FlipAddress.groupOfPort(0x1234);
    Endpoint e1 = box.openRandom();
    Endpoint e2 = box.openRandom();
    e1.join(group);
    e2.join(group);
    assertEquals(1, net.count.get(group));
    e1.leave(group);
    assertEquals(1, net.count.get(group), "e2 is still a member");
    e2.close();
    assertEquals(0, net.count.get(group), "the last member closed");
    e1.join(group);
    assertEquals(1, net.count.get(group));
  }

  @Test
  void locatesAnUnknownAddressAndDelivers() {
    FlipBox a = box("a");
    FlipBox b = box("b");
    long serverPrivate = FlipAddress.randomPrivate(random);
    Endpoint server = b.open(serverPrivate);
    Endpoint client = a.openRandom();

    assertTrue(client.locate(server.address(), 2 * SECOND));
    client.send(server.address(), text("hello"));
    Message m = server.receive(2 * SECOND);
    assertNotNull(m);
    assertEquals(client.address(), m.source());
    assertEquals("hello", text(m));

    // The reply needs no locate: b learned where the client is from the request.
    long locatesBefore = b.count(Traffic.LOCATES_SENT);
    server.send(client.address(), text("world"));
    assertEquals("world", text(client.receive(2 * SECOND)));
    assertEquals(locatesBefore, b.count(Traffic.LOCATES_SENT));
    assertTrue(a.count(Traffic.LOCATES_SENT) >= 1);
    assertTrue(b.count(Traffic.HEREIS_SENT) >= 1);
  }

  @Test
  void sendWithoutLocateHoldsPacketsUntilFound() {
    FlipBox a = box("a");
    FlipBox b = box("b");
    Endpoint server = b.open(FlipAddress.randomPrivate(random));
    Endpoint client = a.openRandom();
    client.send(server.address(), text("queued"));
    assertEquals("queued", text(server.receive(2 * SECOND)));
    assertEquals(1, a.count(Traffic.RESENT_AFTER_LOCATE));
  }

  @Test
  void locateOfNobodyFailsWithinItsTimeout() {
    FlipBox a = box("a");
    box("b");
    Endpoint client = a.openRandom();
    long nobody = FlipAddress.publicOf(FlipAddress.randomPrivate(random));
    assertFalse(client.locate(nobody, 200_000_000L));
  }

  @Test
  void endpointThatMovesIsRelocatedAfterNotHere() {
    FlipBox a = box("a");
    FlipBox b = box("b");
    FlipBox c = box("c");
    long priv = FlipAddress.randomPrivate(random);
    Endpoint onB = b.open(priv);
    Endpoint client = a.openRandom();
    client.send(onB.address(), text("one"));
    assertEquals("one", text(onB.receive(2 * SECOND)));

    onB.close(); // the process migrates: same address, other box
    Endpoint onC = c.open(priv);
    assertEquals(onB.address(), onC.address());
    client.send(onC.address(), text("two"));
    Message m = onC.receive(2 * SECOND);
    assertNotNull(m, "the message must follow the endpoint to its new box");
    assertEquals("two", text(m));
    assertEquals(1, b.count(Traffic.NOTHERE_SENT));
    assertEquals(1, a.count(Traffic.NOTHERE_RECEIVED));
    assertEquals(1, b.drops().get(DropReason.NOT_HERE));
  }

  @Test
  void multicastReachesEveryMemberOnEveryBox() {
    long group = FlipAddress.of(random.nextLong() >>> 8, FlipAddress.SPACE_GROUP);
    List<Endpoint> members = new ArrayList<>();
    for (String n : List.of("a", "b", "c")) {
      Endpoint e = box(n).openRandom();
      e.join(group);
      members.add(e);
    }
    Endpoint sender = box("d").openRandom();
    sender.multicast(group, text("all"));
    for (Endpoint e : members) {
      assertEquals("all", text(e.receive(2 * SECOND)));
    }
    // The sender is a member too, on its own box: served locally.
    members.get(0).multicast(group, text("again"));
    for (Endpoint e : members) {
      assertEquals("again", text(e.receive(2 * SECOND)));
    }
  }

  @Test
  void receiveTimesOutWithNull() {
    Endpoint e = box("a").openRandom();
    assertNull(e.receive(20_000_000L));
  }

  @Test
  void largeMessagesAreFragmentedAndReassembled() {
    FlipBox a = box("a");
    FlipBox b = box("b");
    Endpoint server = b.openRandom();
    Endpoint client = a.openRandom();
    assertTrue(client.locate(server.address(), 2 * SECOND));
    for (int size : new int[] {0, 1, 1399, 1400, 1401, 100_000, 4 << 20}) {
      byte[] data = new byte[size];
      new SplittableRandom(size).nextBytes(data);
      client.send(server.address(), ByteBuffer.wrap(data));
      Message m = server.receive(5 * SECOND);
      assertNotNull(m, "message of " + size + " bytes");
      byte[] got = new byte[m.payload().remaining()];
      m.payload().get(m.payload().position(), got);
      m.release();
      assertArrayEquals(data, got, "message of " + size + " bytes");
    }
  }

  @Test
  void boxesWithDifferentKeysIgnoreEachOther() {
    byte[] k1 = new byte[32];
    byte[] k2 = new byte[32];
    k2[0] = 1;
    FlipBox a = new FlipBox(BoxConfig.defaults(7).withPoolKey(k1), List.of(hub.attach("a")), random);
    FlipBox b = new FlipBox(BoxConfig.defaults(7).withPoolKey(k2), List.of(hub.attach("b")), random);
    FlipBox c = new FlipBox(BoxConfig.defaults(7).withPoolKey(k1), List.of(hub.attach("c")), random);
    boxes.addAll(List.of(a, b, c));
    Endpoint onB = b.openRandom();
    Endpoint onC = c.openRandom();
    Endpoint client = a.openRandom();
    assertTrue(client.locate(onC.address(), 2 * SECOND), "same key: found");
    assertFalse(client.locate(onB.address(), 300_000_000L), "other key: never found");
    assertTrue(b.drops().get(DropReason.BAD_TAG) > 0, "the stranger's packets are counted");
  }
}
