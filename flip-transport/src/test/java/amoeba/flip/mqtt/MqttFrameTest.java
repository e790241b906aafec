package amoeba.flip.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The MQTT message framing and the configuration checks, without a broker. */
class MqttFrameTest {

  @Test
  void encodeThenDecode() {
    byte[] id = MqttFrame.idBytes("amb-0123456789ab");
    ByteBuffer packet = ByteBuffer.wrap(new byte[] {9, 8, 7, 6, 5});
    packet.position(1);
    byte[] frame = MqttFrame.encode(id, packet);
    assertEquals(1, packet.position(), "the packet buffer is left unchanged");
    assertEquals(1 + id.length + 4, frame.length);
    assertEquals(id.length, frame[0]);
    int offset = MqttFrame.packetOffset(frame, frame.length);
    assertEquals(1 + id.length, offset);
    assertEquals("amb-0123456789ab", MqttFrame.senderId(frame));
    assertEquals(List.of((byte) 8, (byte) 7, (byte) 6, (byte) 5),
        List.of(frame[offset], frame[offset + 1], frame[offset + 2], frame[offset + 3]));
  }

  @Test
  void malformedFramesAreRefused() {
    assertEquals(-1, MqttFrame.packetOffset(new byte[0], 0), "empty");
    assertEquals(-1, MqttFrame.packetOffset(new byte[] {0, 1, 2}, 3), "no sender id");
    assertEquals(-1, MqttFrame.packetOffset(new byte[] {5, 'a', 'b'}, 3), "id past the end");
    assertEquals(-1, MqttFrame.packetOffset(new byte[] {1, '/', 0}, 3), "'/' in the id");
    assertEquals(-1, MqttFrame.packetOffset(new byte[] {1, '+'}, 2), "wildcard in the id");
    assertEquals(2, MqttFrame.packetOffset(new byte[] {1, 'a'}, 2), "an empty packet is framed");
    byte[] longest = new byte[256];
    longest[0] = (byte) 255;
    Arrays.fill(longest, 1, 256, (byte) 'z');
    assertEquals(256, MqttFrame.packetOffset(longest, 256));
  }

  @Test
  void stationsAreValidTopicLevels() {
    assertEquals("a-b_c", new MqttStation("a-b_c").clientId(), "a valid id is kept as it is");
    assertEquals("mqtt:a", new MqttStation("a").toString());
    for (String bad : List.of("", "a/b", "a+", "#", "a b", "x".repeat(256))) {
      assertThrows(IllegalArgumentException.class, () -> new MqttStation(bad), bad);
    }
  }

  @Test
  void configDefaultsAndChecks() {
    MqttConfig c = MqttConfig.builder("tcp://127.0.0.1:1883").pool(7).build();
    assertEquals("amoeba/7/", c.topicPrefix());
    assertEquals(MqttConfig.DEFAULT_MAX_PACKET_BYTES, c.maxPacketBytes());
    assertTrue(c.reconnectMaxDelayMs() <= 2_000, "reconnects well within 5 s of the broker");
    assertTrue(c.toString().contains("password=none"));
    assertTrue(MqttConfig.builder("ssl://h:8883").credentials("u", "p").build().toString()
        .contains("password=set"));
    for (String url : List.of("http://h:1", "tcp://h", "tcp//h:1", "ws://h:1")) {
      assertThrows(IllegalArgumentException.class, () -> MqttConfig.builder(url).build(), url);
    }
    assertThrows(IllegalArgumentException.class,
        () -> MqttConfig.builder("tcp://h:1").topicPrefix("amoeba/#/").build());
    assertThrows(IllegalArgumentException.class,
        () -> MqttConfig.builder("tcp://h:1").topicPrefix("amoeba").build());
    assertThrows(IllegalArgumentException.class,
        () -> MqttConfig.builder("tcp://h:1").clientIdPrefix("much-too-long").build());
    assertThrows(IllegalArgumentException.class,
        () -> MqttConfig.builder("tcp://h:1").clientIdPrefix("a/b").build());
    assertTrue(MqttConfig.builder("tcp://h:1").brokerUrls(List.of("ssl://a:1", "ssl://b:2"))
        .build().usesTls());
    // Paho takes one socket factory for every URL: a mixed list cannot work.
    assertThrows(IllegalArgumentException.class,
        () -> MqttConfig.builder("tcp://h:1").brokerUrls(List.of("tcp://a:1", "ssl://b:2")).build());
  }
}
