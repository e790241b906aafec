package amoeba.flip.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.BoxConfig;
import amoeba.flip.Endpoint;
import amoeba.flip.FlipBox;
import amoeba.flip.Message;
import amoeba.flip.Traffic;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A board only on UDP multicast and a board only behind an MQTT broker talk through a box on
 * both: FLIP as an internetwork, over real sockets and a real mosquitto.
 */
class UdpMqttRouterTest {
  static final long SECOND = 1_000_000_000L;

  @BeforeAll
  static void needsMosquitto() {
    Mosquitto.assumeInstalled();
  }

  @Test
  void udpBoardAndMqttBoardTalkThroughARouter() throws Exception {
    SplittableRandom random = new SplittableRandom();
    UdpConfig udp = UdpConfig.builder().groupPort(20000 + random.nextInt(30000)).build();
    BoxConfig config = BoxConfig.defaults(4).withPoolKey(new byte[32]);
    try (Mosquitto broker = Mosquitto.anonymous()) {
      MqttConfig mqtt = MqttConfig.builder(broker.url()).pool(4).build();
      try (FlipBox wired = new FlipBox(config, List.of(new UdpNetwork(udp)), random);
          FlipBox router = new FlipBox(config,
              List.of(new UdpNetwork(udp), new MqttNetwork(mqtt)), random);
          FlipBox wireless = new FlipBox(config, List.of(new MqttNetwork(mqtt)), random)) {
        Endpoint lan = wired.openRandom();
        Endpoint wifi = wireless.openRandom();
        assertTrue(lan.locate(wifi.address(), 5 * SECOND), "found across the router");
        lan.send(wifi.address(), ByteBuffer.wrap("hello wifi".getBytes(StandardCharsets.UTF_8)));
        Message m = wifi.receive(5 * SECOND);
        assertNotNull(m);
        assertEquals("hello wifi", StandardCharsets.UTF_8.decode(m.payload()).toString());
        m.release();
        wifi.send(lan.address(), ByteBuffer.wrap("hello lan".getBytes(StandardCharsets.UTF_8)));
        Message back = lan.receive(5 * SECOND);
        assertNotNull(back);
        assertEquals("hello lan", StandardCharsets.UTF_8.decode(back.payload()).toString());
        back.release();
        assertTrue(router.count(Traffic.FORWARDED) >= 2);
      }
    }
  }
}
