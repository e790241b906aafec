package amoeba.flip.mqtt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.BoxConfig;
import amoeba.flip.Endpoint;
import amoeba.flip.FlipBox;
import amoeba.flip.Message;
import amoeba.flip.Traffic;
import amoeba.flip.stats.DropReason;
import amoeba.flip.wire.FlipAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FLIP boxes whose only network is MQTT, through one real mosquitto: the patterns of
 * FlipBoxTest and UdpProcessesTest (locate, echo, multicast, a fragmented 3 MiB message, pool
 * keys), and a broker killed and restarted mid-run.
 */
class MqttBoxTest {
  static final long SECOND = 1_000_000_000L;
  static final int POOL = 11;
  final SplittableRandom random = new SplittableRandom();
  final List<FlipBox> boxes = new ArrayList<>();
  Mosquitto broker;

  @BeforeEach
  void startBroker() throws IOException {
    Mosquitto.assumeInstalled();
    broker = Mosquitto.anonymous();
  }

  @AfterEach
  void stopAll() {
    boxes.forEach(FlipBox::close);
    if (broker != null) {
      broker.close();
    }
  }

  FlipBox box(byte[] key) throws IOException {
    BoxConfig c = BoxConfig.defaults(POOL);
    MqttNetwork n = new MqttNetwork(MqttConfig.builder(broker.url()).pool(POOL).build());
    FlipBox b = new FlipBox(key == null ? c : c.withPoolKey(key), List.of(n), random);
    boxes.add(b);
    return b;
  }

  static MqttNetwork mqtt(FlipBox b) {
    return (MqttNetwork) b.networks().get(0);
  }

  static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  static String text(Message m) {
    assertNotNull(m, "no message");
    String s = StandardCharsets.UTF_8.decode(m.payload()).toString();
    m.release();
    return s;
  }

  @Test
  void locateEchoMulticastAndAFragmentedMessage() throws Exception {
    FlipBox a = box(null);
    FlipBox b = box(null);
    Endpoint server = b.open(FlipAddress.randomPrivate(random));
    Endpoint client = a.openRandom();

    assertTrue(client.locate(server.address(), 5 * SECOND), "LOCATE over the broadcast topic");
    client.send(server.address(), text("ping"));
    Message request = server.receive(5 * SECOND);
    assertNotNull(request);
    assertEquals(client.address(), request.source());
    server.send(request.source(), request.payload());
    request.release();
    assertEquals("ping", text(client.receive(5 * SECOND)));

    long group = FlipAddress.of(random.nextLong() >>> 8, FlipAddress.SPACE_GROUP);
    server.join(group);
    Endpoint local = a.openRandom();
    local.join(group);
    client.multicast(group, text("to the group"));
    Message m = server.receive(5 * SECOND);
    assertNotNull(m, "a member on the other box gets the group message");
    assertEquals(client.address(), m.source());
    assertEquals("to the group", text(m));
    assertEquals("to the group", text(local.receive(5 * SECOND)));
    assertNull(client.receive(50_000_000L), "not a member: nothing");

    byte[] big = new byte[3 << 20];
    random.nextBytes(big);
    long sentBefore = a.count(Traffic.PACKETS_SENT);
    client.send(server.address(), ByteBuffer.wrap(big));
    Message whole = server.receive(10 * SECOND);
    assertNotNull(whole, "3 MiB message; inflight drops " + mqtt(a).inflightDrops()
        + ", inbox drops " + mqtt(b).inboxDrops());
    byte[] got = new byte[whole.payload().remaining()];
    whole.payload().get(whole.payload().position(), got);
    whole.release();
    assertArrayEquals(big, got);
    assertTrue(a.count(Traffic.PACKETS_SENT) - sentBefore > big.length / 1400, "in fragments");
  }

  @Test
  void aBoxWithAnotherKeyGetsNothingAndIsCounted() throws Exception {
    byte[] key = new byte[32];
    random.nextBytes(key);
    byte[] otherKey = key.clone();
    otherKey[0] ^= 1;
    FlipBox a = box(key);
    FlipBox member = box(key);
    FlipBox stranger = box(otherKey);
    Endpoint onMember = member.openRandom();
    Endpoint onStranger = stranger.openRandom();
    Endpoint client = a.openRandom();

    assertTrue(client.locate(onMember.address(), 5 * SECOND), "same key: found");
    client.send(onMember.address(), text("hello"));
    assertEquals("hello", text(onMember.receive(5 * SECOND)));
    assertFalse(client.locate(onStranger.address(), SECOND / 2), "other key: never found");
    assertTrue(stranger.drops().get(DropReason.BAD_TAG) > 0, "the stranger counts our packets");

    Endpoint s = stranger.openRandom();
    assertFalse(s.locate(onMember.address(), SECOND / 2), "nobody answers the stranger");
    assertTrue(member.drops().get(DropReason.BAD_TAG) > 0, "its LOCATEs are counted as BAD_TAG");
    assertNull(onMember.receive(10_000_000L));
  }

  @Test
  void brokerKilledAndRestartedMidRun() throws Exception {
    FlipBox a = box(null);
    FlipBox b = box(null);
    Endpoint server = b.open(FlipAddress.randomPrivate(random));
    Endpoint client = a.openRandom();
    client.send(server.address(), text("before"));
    assertEquals("before", text(server.receive(5 * SECOND)));

    broker.kill();
    long lossDeadline = System.nanoTime() + 5 * SECOND;
    while (mqtt(a).connected() && System.nanoTime() - lossDeadline < 0) {
      client.receive(5_000_000L); // bounded wait for the loss to be noticed
    }
    assertFalse(mqtt(a).connected(), "the loss was noticed");
    long start = System.nanoTime();
    for (int i = 0; i < 50; i++) {
      client.send(server.address(), text("during " + i));
    }
    assertNull(server.receive(SECOND / 5), "nothing gets through while the broker is down");
    assertTrue(System.nanoTime() - start < 2 * SECOND, "nothing hangs");
    assertTrue(mqtt(a).disconnectedDrops() >= 50, "sends during the outage are counted drops");

    broker.start();
    long back = System.nanoTime();
    long deadline = back + 10 * SECOND;
    String got = null;
    int attempt = 0;
    while (got == null && System.nanoTime() - deadline < 0) {
      client.send(server.address(), text("after " + attempt++));
      Message m = server.receive(SECOND / 10);
      while (m != null && !text(m).startsWith("after")) {
        m = server.receive(SECOND / 10);
      }
      got = m == null ? null : "after";
    }
    long resumedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
    System.out.println("MqttBoxTest: FLIP messages flow again " + resumedMs
        + " ms after the broker was back (" + attempt + " attempts)");
    assertEquals("after", got, "traffic resumed");
    assertTrue(resumedMs < 5_000, "resumed after " + resumedMs + " ms, the issue asks < 5 s");
  }
}
