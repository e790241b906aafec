package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
  void agreementThroughABroker() throws IOException {
    List<FlipBox> boxes = new ArrayList<>();
    List<GroupMember> ms = new ArrayList<>();
    try (Mosquitto broker = Mosquitto.anonymous();
        GroupPool.Collector c = new GroupPool.Collector()) {
      MqttConfig mqtt = MqttConfig.builder(broker.url()).pool(8).build();
      for (int i = 0; i < 3; i++) {
        boxes.add(new FlipBox(BoxConfig.defaults(8), List.of(new MqttNetwork(mqtt)),
            new SplittableRandom(i)));
      }
      long port = 0x6001;
      ms.add(GroupMember.create(boxes.get(0), port, GroupPool.CONFIG));
      ms.add(GroupMember.join(boxes.get(1), port, GroupPool.CONFIG, 5 * SECOND));
      ms.add(GroupMember.join(boxes.get(2), port, GroupPool.CONFIG, 5 * SECOND));
      ms.forEach(c::watch);
      int perSender = 200;
      GroupAgreementTest.sendAll(ms, perSender, i -> i % 20 == 0 ? 3000 : 64);
      GroupAgreementTest.awaitDelivered(c, ms, 3L * perSender, 30 * SECOND);
      GroupAgreementTest.check(c, ms, 3L * perSender, perSender);
      assertEquals(3, ms.get(2).info().members().size());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      ms.forEach(GroupMember::close);
      boxes.forEach(FlipBox::close);
    }
  }
}
