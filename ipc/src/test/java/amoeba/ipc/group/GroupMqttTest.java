package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.SECOND;

import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.mqtt.Mosquitto;
import amoeba.flip.mqtt.MqttConfig;
import amoeba.flip.mqtt.MqttNetwork;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Total order over FLIP on MQTT: three members whose boxes reach each other only through a real
 * mosquitto deliver one and the same sequence (small messages PB, 3000-byte ones BB).
 */
class GroupMqttTest {

  @BeforeAll
  static void needsMosquitto() {
    Mosquitto.assumeInstalled();
  }

  @Test
  void agreementThroughABroker() throws IOException, InterruptedException {
    List<FlipBox> boxes = new ArrayList<>();
    try (Mosquitto broker = Mosquitto.anonymous()) {
      MqttConfig mqtt = MqttConfig.builder(broker.url()).pool(8).build();
      for (int i = 0; i < 3; i++) {
        boxes.add(new FlipBox(BoxConfig.defaults(8), List.of(new MqttNetwork(mqtt)),
            new SplittableRandom(i)));
      }
      GroupAgreementTest.agreementAmong(boxes, 0x6001, 200, 30 * SECOND);
    } finally {
      boxes.forEach(FlipBox::close);
    }
  }
}
