package amoeba.flip.mqtt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.net.Station;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MqttNetwork} against a real mosquitto on 127.0.0.1: unicast and broadcast carry the
 * packet bytes and the sender, a real MQTT client sees the topic layout, the broker going away
 * and coming back, wrong credentials and TLS mismatch fail clearly at connect, and no Paho
 * thread outlives close().
 */
class MqttNetworkTest {
  static final long WAIT_NS = TimeUnit.SECONDS.toNanos(5);
  final SplittableRandom random = new SplittableRandom();
  /** Unique per test, so the thread count below only sees this test's clients. */
  final String idPrefix = "t" + Long.toHexString(random.nextLong() & 0xffffffL);
  final List<AutoCloseable> opened = new ArrayList<>();
  Mosquitto broker;

  @BeforeEach
  void startBroker() throws IOException {
    Mosquitto.assumeInstalled();
    broker = Mosquitto.anonymous();
  }

  @AfterEach
  void stopAll() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  MqttConfig.Builder config(Mosquitto b) {
    return MqttConfig.builder(b.url()).pool(9).clientIdPrefix(idPrefix);
  }

  MqttNetwork open(MqttConfig c) throws IOException {
    MqttNetwork n = new MqttNetwork(c);
    opened.add(n);
    return n;
  }

  static ByteBuffer packet(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  static String text(ByteBuffer into) {
    into.flip();
    return StandardCharsets.UTF_8.decode(into).toString();
  }

  /** Live threads of Paho (named "MQTT ...: clientId") and ours, for this test's clients. */
  long clientThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().contains(idPrefix))
        .count();
  }

  /** Polls {@code condition} every 5 ms until it holds or {@code timeoutNs} passes. */
  static boolean eventually(BooleanSupplier condition, long timeoutNs) {
    long deadline = System.nanoTime() + timeoutNs;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(5_000_000L);
    }
    return true;
  }

  @Test
  void unicastAndBroadcastCarryTheBytesAndTheSender() throws Exception {
    MqttNetwork a = open(config(broker).build());
    MqttNetwork b = open(config(broker).build());
    assertTrue(a.clientId().startsWith(idPrefix));
    assertFalse(a.clientId().equals(b.clientId()), "client ids are unique per network");
    assertEquals("amoeba/9/box/" + b.clientId(), b.unicastTopic());
    assertEquals("amoeba/9/all", b.broadcastTopic());

    ByteBuffer p = packet("to b only");
    a.send(p, b.self());
    assertEquals(0, p.position(), "send leaves the buffer unchanged");
    ByteBuffer into = ByteBuffer.allocate(a.maxPacketBytes());
    Station from = b.receive(into, WAIT_NS);
    assertEquals(a.self(), from);
    assertEquals("to b only", text(into));
    assertNull(a.receive(into.clear(), 50_000_000L), "unicast reaches only its station");

    a.broadcast(packet("to all"));
    for (MqttNetwork n : List.of(a, b)) {
      into.clear();
      Station s = n.receive(into, WAIT_NS);
      assertEquals(a.self(), s, "a broadcast reaches every station, the sender too");
      assertEquals("to all", text(into));
    }
    // One station instance per peer: the receive path reuses it.
    a.send(packet("again"), b.self());
    assertSame(from, b.receive(into.clear(), WAIT_NS));

    byte[] big = new byte[a.maxPacketBytes()];
    random.nextBytes(big);
    a.send(ByteBuffer.wrap(big), b.self());
    assertNotNull(b.receive(into.clear(), WAIT_NS));
    into.flip();
    byte[] got = new byte[into.remaining()];
    into.get(got);
    assertArrayEquals(big, got, "a full-size packet arrives byte for byte");

    a.send(ByteBuffer.allocate(a.maxPacketBytes() + 1), b.self());
    assertEquals(1, a.oversizeDrops());
  }

  @Test
  void wakeupEndsAWaitingReceiveAndCloseMakesItThrow() throws Exception {
    MqttNetwork a = open(config(broker).build());
    ByteBuffer into = ByteBuffer.allocate(64);
    a.wakeup();
    long start = System.nanoTime();
    assertNull(a.receive(into, WAIT_NS));
    assertTrue(System.nanoTime() - start < WAIT_NS / 2, "wakeup returned promptly");
    a.close();
    assertThrows(ClosedChannelException.class, () -> a.receive(into, 1_000_000L));
    assertThrows(ClosedChannelException.class, () -> a.send(packet("x"), a.self()));
    assertThrows(ClosedChannelException.class, () -> a.broadcast(packet("x")));
  }

  @Test
  void mosquittoSubSeesTheTopicLayout() throws Exception {
    MqttNetwork a = open(config(broker).build());
    Process sub =
        new ProcessBuilder(Mosquitto.SUB.toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(broker.port), "-t", "amoeba/9/#", "-v", "-C", "2")
            .redirectErrorStream(true)
            .start();
    try {
      // mosquitto_sub says nothing when it has subscribed: broadcast until it has seen two
      // messages (bounded), then one unicast must be among what it saw or the next.
      long deadline = System.nanoTime() + WAIT_NS;
      int i = 0;
      while (sub.isAlive() && System.nanoTime() - deadline < 0) {
        a.broadcast(packet("hello " + i++));
        a.send(packet("direct"), a.self());
        sub.waitFor(20, TimeUnit.MILLISECONDS);
      }
      assertFalse(sub.isAlive(), "mosquitto_sub saw nothing within 5 s");
      String out = new String(sub.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      String framePrefix = (char) a.clientId().length() + a.clientId();
      assertTrue(out.contains("amoeba/9/all " + framePrefix + "hello "), out);
      assertTrue(out.contains("amoeba/9/box/" + a.clientId() + " " + framePrefix + "direct"), out);
    } finally {
      sub.destroyForcibly();
      sub.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void brokerDownSendsAreCountedDropsAndTrafficResumes() throws Exception {
    MqttNetwork a = open(config(broker).build());
    MqttNetwork b = open(config(broker).build());
    ByteBuffer into = ByteBuffer.allocate(256);
    a.send(packet("before"), b.self());
    assertEquals("before", text(receive(b, into)));

    broker.kill();
    assertTrue(eventually(() -> !a.connected() && !b.connected(), WAIT_NS), "loss noticed");
    long start = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      a.send(packet("lost " + i), b.self());
      a.broadcast(packet("lost " + i));
    }
    long sendNs = System.nanoTime() - start;
    System.out.println("MqttNetworkTest: 200 sends while the broker was down took " + sendNs
        + " ns");
    assertEquals(200, a.disconnectedDrops());
    assertNull(b.receive(into.clear(), 100_000_000L), "receive just times out while down");

    broker.start();
    long back = System.nanoTime();
    assertTrue(eventually(() -> a.connected() && b.connected(), WAIT_NS), "reconnected");
    String got = null;
    long deadline = System.nanoTime() + WAIT_NS;
    while (got == null && System.nanoTime() - deadline < 0) {
      a.send(packet("after"), b.self());
      if (b.receive(into.clear(), 50_000_000L) != null) {
        got = text(into);
      }
    }
    long resumedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
    System.out.println("MqttNetworkTest: traffic resumed " + resumedMs + " ms after the broker"
        + " was back");
    assertEquals("after", got);
    assertEquals(1, a.reconnects());
    assertEquals(1, b.reconnects());
  }

  private static ByteBuffer receive(MqttNetwork n, ByteBuffer into) throws IOException {
    assertNotNull(n.receive(into, WAIT_NS), "nothing received");
    return into;
  }

  @Test
  void closeLeavesNoThreadsEvenAfterFailedConnectsAndDuringAnOutage() throws Exception {
    assertEquals(0, clientThreads());
    MqttNetwork a = new MqttNetwork(config(broker).build());
    MqttNetwork b = new MqttNetwork(config(broker).build());
    assertTrue(clientThreads() >= 4, "Paho threads are named after the client id");
    a.close();
    a.close(); // idempotent
    broker.kill();
    assertTrue(eventually(() -> !b.connected(), WAIT_NS));
    b.close(); // in the middle of reconnecting
    // Nothing listens on that port now: a refused connect must not leak either.
    IOException refused =
        assertThrows(IOException.class, () -> new MqttNetwork(config(broker).build()));
    assertTrue(refused.getMessage().contains(broker.url()), refused.getMessage());
    assertTrue(eventually(() -> clientThreads() == 0, WAIT_NS),
        "threads left: " + Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().contains(idPrefix)).map(Thread::getName).toList());
  }

  @Test
  void wrongPasswordFailsAtConnectWithAClearMessage() throws Exception {
    try (Mosquitto secured = Mosquitto.withPassword("board", "s3cret")) {
      MqttNetwork ok = open(config(secured).credentials("board", "s3cret").build());
      assertTrue(ok.connected());

      long start = System.nanoTime();
      IOException e =
          assertThrows(IOException.class,
              () -> open(config(secured).credentials("board", "wrong").connectTimeoutMs(2000).build()));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(e.getMessage().contains("wrong password for user 'board'"), e.getMessage());
      assertTrue(ms < 2000, "failed within the connect timeout: " + ms + " ms");

      IOException anonymous = assertThrows(IOException.class, () -> open(config(secured).build()));
      assertTrue(anonymous.getMessage().contains("no user name given"), anonymous.getMessage());
      ok.close();
      assertTrue(eventually(() -> clientThreads() == 0, WAIT_NS), "failed connects leak nothing");
    }
  }

  @Test
  void tlsToAPlainListenerFailsAtConnectWithAClearMessage() {
    String ssl = "ssl://127.0.0.1:" + broker.port;
    IOException e =
        assertThrows(IOException.class,
            () -> open(MqttConfig.builder(ssl).clientIdPrefix(idPrefix).connectTimeoutMs(2000).build()));
    assertTrue(e.getMessage().contains("TLS handshake failed"), e.getMessage());
    assertTrue(eventually(() -> clientThreads() == 0, WAIT_NS), "failed connects leak nothing");
  }

  @Test
  void tlsWithTheBrokersCaCarriesPacketsAndAnotherCaFailsAtConnect(@TempDir Path tmp)
      throws Exception {
    try (Mosquitto tls = Mosquitto.withTls()) {
      assertTrue(tls.url().startsWith("ssl://127.0.0.1:"));
      MqttNetwork a = open(config(tls).caFile(tls.caFile()).build());
      MqttNetwork b = open(config(tls).caFile(tls.caFile()).build());
      a.send(packet("over tls"), b.self());
      assertEquals("over tls", text(receive(b, ByteBuffer.allocate(64))));
      a.broadcast(packet("to all over tls"));
      assertEquals("to all over tls", text(receive(a, ByteBuffer.allocate(64))));

      Path otherCa = Mosquitto.newCa(tmp, "other");
      IOException wrongCa =
          assertThrows(IOException.class,
              () -> open(config(tls).caFile(otherCa).connectTimeoutMs(2000).build()));
      assertTrue(wrongCa.getMessage().contains("certificate was rejected"), wrongCa.getMessage());
      assertTrue(wrongCa.getMessage().contains(otherCa.toString()), wrongCa.getMessage());
      assertFalse(wrongCa.getMessage().contains("\n"), "one line: " + wrongCa.getMessage());

      IOException noCa =
          assertThrows(IOException.class, () -> open(config(tls).connectTimeoutMs(2000).build()));
      assertTrue(noCa.getMessage().contains("no CA file given"), noCa.getMessage());

      a.close();
      b.close();
      assertTrue(eventually(() -> clientThreads() == 0, WAIT_NS), "failed TLS connects leak nothing");
    }
  }

  @Test
  void brokerUrlsMustBeAllPlainOrAllTls() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class,
            () -> MqttConfig.builder(broker.url())
                .brokerUrls(List.of(broker.url(), "ssl://127.0.0.1:8883")).build());
    assertTrue(e.getMessage().contains("all tcp:// or all ssl://"), e.getMessage());
  }

  @Test
  void framesThatAreNotOursAreCountedNotDelivered() throws Exception {
    MqttNetwork a = open(config(broker).build());
    Process pub =
        new ProcessBuilder("/usr/bin/mosquitto_pub", "-h", "127.0.0.1", "-p",
                Integer.toString(broker.port), "-t", a.broadcastTopic(), "-m", "")
            .redirectErrorStream(true)
            .start();
    assertTrue(pub.waitFor(5, TimeUnit.SECONDS));
    assertTrue(eventually(() -> a.malformedDrops() == 1, WAIT_NS));
    assertNull(a.receive(ByteBuffer.allocate(64), 10_000_000L));
  }
}
