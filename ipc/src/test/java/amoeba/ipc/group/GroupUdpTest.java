package amoeba.ipc.group;

import static amoeba.ipc.group.GroupPool.SECOND;

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
  void agreementOverUdpMulticastOnLoopback() throws IOException, InterruptedException {
    int groupPort = 20_000 + ThreadLocalRandom.current().nextInt(40_000);
    List<FlipBox> boxes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        UdpNetwork n = new UdpNetwork(UdpConfig.builder().groupPort(groupPort).build());
        boxes.add(new FlipBox(BoxConfig.defaults(7), List.of(n), new SplittableRandom(i)));
      }
      GroupAgreementTest.agreementAmong(boxes, 0x5000 + groupPort, 300, 20 * SECOND);
    } finally {
      boxes.forEach(FlipBox::close);
    }
  }
}
