package amoeba.flip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.net.LoopbackNetwork;
import amoeba.flip.wire.FlipAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Two networks that share no station, joined by a box attached to both: endpoints on either
 * side find and reach each other through it (unicast, replies, groups, large messages), as a
 * board on WiFi behind a broker and a board on a wired LAN would.
 */
class RoutingTest {
  static final long SECOND = 1_000_000_000L;

  static String text(Message m) {
    assertNotNull(m, "nothing arrived");
    String s = StandardCharsets.UTF_8.decode(m.payload()).toString();
    m.release();
    return s;
  }

  @Test
  void aRouterJoinsTwoNetworks() {
    LoopbackNetwork.Hub lan = new LoopbackNetwork.Hub(8192, 65536);
    LoopbackNetwork.Hub wifi = new LoopbackNetwork.Hub(8192, 65536);
    SplittableRandom random = new SplittableRandom(5);
    BoxConfig config = BoxConfig.defaults(2).withPoolKey(new byte[24]);
    try (FlipBox a = new FlipBox(config, List.of(lan.attach("a")), random);
        FlipBox router = new FlipBox(config, List.of(lan.attach("r"), wifi.attach("r")), random);
        FlipBox b = new FlipBox(config, List.of(wifi.attach("b")), random)) {
      Endpoint onA = a.openRandom();
      Endpoint onB = b.openRandom();
      assertTrue(onA.locate(onB.address(), 2 * SECOND), "located through the router");
      onA.send(onB.address(), ByteBuffer.wrap("over".getBytes(StandardCharsets.UTF_8)));
      Message m = onB.receive(2 * SECOND);
      assertNotNull(m);
      assertEquals(onA.address(), m.source());
      assertEquals("over", text(m));
      onB.send(onA.address(), ByteBuffer.wrap("back".getBytes(StandardCharsets.UTF_8)));
      assertEquals("back", text(onA.receive(2 * SECOND)));

      long group = FlipAddress.of(random.nextLong() >>> 8, FlipAddress.SPACE_GROUP);
      onA.join(group);
      onB.join(group);
      onA.multicast(group, ByteBuffer.wrap("all".getBytes(StandardCharsets.UTF_8)));
      assertEquals("all", text(onA.receive(2 * SECOND)));
      assertEquals("all", text(onB.receive(2 * SECOND)));

      byte[] big = new byte[2 << 20];
      random.nextBytes(big);
      onB.send(onA.address(), ByteBuffer.wrap(big));
      Message whole = onA.receive(5 * SECOND);
      assertNotNull(whole);
      assertEquals(ByteBuffer.wrap(big), whole.payload());
      whole.release();

      assertTrue(router.count(Traffic.FORWARDED) > big.length / 1400, "the router carried it all");
      assertEquals(0, a.count(Traffic.FORWARDED) + b.count(Traffic.FORWARDED), "only routers forward");
    }
  }
}
