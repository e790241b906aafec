package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;

import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Three members in one JVM over real UDP on loopback (interface lo, TTL 0, unicast on
 * 127.0.0.1; a random group port per run so concurrent runs do not mix). Small messages go PB,
 * 3000-byte ones go BB and are fragmented by FLIP.
 */
class GroupUdpTest {

  @Test
  void agreementOverUdpMulticastOnLoopback() throws IOException {
    int groupPort = 20_000 + ThreadLocalRandom.current().nextInt(40_000);
    List<FlipBox> boxes = new ArrayList<>();
    List<GroupMember> ms = new ArrayList<>();
    try (GroupPool.Collector c = new GroupPool.Collector()) {
      for (int i = 0; i < 3; i++) {
        UdpNetwork n = new UdpNetwork(UdpConfig.builder().groupPort(groupPort).build());
        boxes.add(new FlipBox(BoxConfig.defaults(7), List.of(n), new SplittableRandom(i)));
      }
      long port = 0x5000 + groupPort;
      ms.add(GroupMember.create(boxes.get(0), port, GroupPool.CONFIG));
      ms.add(GroupMember.join(boxes.get(1), port, GroupPool.CONFIG, 5 * SECOND));
      ms.add(GroupMember.join(boxes.get(2), port, GroupPool.CONFIG, 5 * SECOND));
      ms.forEach(c::watch);
      int perSender = 300;
      GroupAgreementTest.sendAll(ms, perSender, i -> i % 20 == 0 ? 3000 : 64);
      GroupAgreementTest.awaitDelivered(c, ms, 3L * perSender, 20 * SECOND);
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
