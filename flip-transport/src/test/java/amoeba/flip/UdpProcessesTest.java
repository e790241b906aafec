package amoeba.flip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.flip.stats.DropReason;
import amoeba.flip.wire.FlipAddress;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FLIP over real UDP sockets on loopback between two processes: unicast, multicast,
 * fragmentation, and authentication (a box with another key is never answered and its packets
 * are counted as BAD_TAG drops by the peer).
 */
class UdpProcessesTest {
  static final long SECOND = 1_000_000_000L;
  final SplittableRandom random = new SplittableRandom();
  final int groupPort = 20000 + random.nextInt(30000);
  final byte[] key = new byte[32];
  final long peerPrivate = FlipAddress.randomPrivate(random);
  final long group = FlipAddress.of(random.nextLong() >>> 8, FlipAddress.SPACE_GROUP);
  Process peer;
  long peerAddress;

  @BeforeEach
  void startPeer() throws Exception {
    random.nextBytes(key);
    String java = ProcessHandle.current().info().command().orElse("java");
    peer =
        new ProcessBuilder(
                java, "-Djava.net.preferIPv4Stack=true", "-cp",
                System.getProperty("java.class.path"), UdpPeerMain.class.getName(),
                Integer.toString(groupPort), HexFormat.of().formatHex(key),
                FlipAddress.toString(peerPrivate), FlipAddress.toString(group))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
    String ready = out.readLine(); // the child prints it within its first second, or dies
    assertNotNull(ready, "the peer process died before it was ready");
    peerAddress = Long.parseUnsignedLong(ready.split(" ")[1], 16);
    assertEquals(FlipAddress.publicOf(peerPrivate), peerAddress);
  }

  @AfterEach
  void stopPeer() throws Exception {
    peer.destroy();
    if (!peer.waitFor(5, TimeUnit.SECONDS)) {
      peer.destroyForcibly();
    }
  }

  FlipBox box(byte[] boxKey) throws Exception {
    UdpConfig udp = UdpConfig.builder().groupPort(groupPort).build();
    return new FlipBox(BoxConfig.defaults(5).withPoolKey(boxKey), List.of(new UdpNetwork(udp)),
        random);
  }

  static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  static String text(Message m) {
    assertNotNull(m, "no answer");
    String s = StandardCharsets.UTF_8.decode(m.payload()).toString();
    m.release();
    return s;
  }

  @Test
  void unicastMulticastAndFragmentationBetweenProcesses() throws Exception {
    try (FlipBox box = box(key)) {
      Endpoint e = box.openRandom();
      assertTrue(e.locate(peerAddress, 10 * SECOND), "LOCATE over IP multicast found the peer");
      e.send(peerAddress, text("ping"));
      assertEquals("ping", text(e.receive(5 * SECOND)));

      e.multicast(group, text("to the group"));
      Message m = e.receive(5 * SECOND);
      assertNotNull(m);
      assertEquals(peerAddress, m.source());
      assertEquals("to the group", text(m));

      byte[] big = new byte[3 << 20];
      random.nextBytes(big);
      e.send(peerAddress, ByteBuffer.wrap(big));
      assertEquals("got " + big.length, text(e.receive(10 * SECOND)));
      assertTrue(box.count(Traffic.PACKETS_SENT) > big.length / 1400, "sent in fragments");
    }
  }

  @Test
  void aBoxWithAnotherKeyGetsNothingAndIsCounted() throws Exception {
    byte[] otherKey = key.clone();
    otherKey[0] ^= 1;
    try (FlipBox stranger = box(otherKey);
        FlipBox member = box(key)) {
      Endpoint s = stranger.openRandom();
      assertFalse(s.locate(peerAddress, SECOND / 2), "the peer never answers a stranger");
      s.send(peerAddress, text("let me in"));

      Endpoint e = member.openRandom();
      e.send(peerAddress, text("stats"));
      String stats = text(e.receive(5 * SECOND));
      long badTags = Long.parseLong(stats.substring("bad-tag ".length()));
      assertTrue(badTags >= 2, "the stranger's LOCATEs were dropped as BAD_TAG: " + stats);
      // The member heard the stranger's multicast LOCATEs too, and refused them the same way.
      assertTrue(member.drops().get(DropReason.BAD_TAG) > 0);
    }
  }
}
