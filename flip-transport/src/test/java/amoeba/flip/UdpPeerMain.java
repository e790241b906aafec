package amoeba.flip;

import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.flip.stats.DropReason;
import amoeba.flip.wire.FlipAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * The far end of {@link UdpProcessesTest}, in a JVM of its own: a box on UDP loopback with the
 * given pool key and group port, one endpoint at the given private address, member of the given
 * group. It answers every message by unicast to its sender: "stats" with its BAD_TAG drop count,
 * anything up to 64 KiB with an echo, anything larger with "got N". Stops after 60 s at most.
 * Args: groupPort keyHex privateAddressHex groupAddressHex.
 */
public final class UdpPeerMain {
  public static void main(String[] args) throws Exception {
    int groupPort = Integer.parseInt(args[0]);
    byte[] key = HexFormat.of().parseHex(args[1]);
    long priv = Long.parseUnsignedLong(args[2], 16);
    long group = Long.parseUnsignedLong(args[3], 16);
    UdpConfig udp = UdpConfig.builder().groupPort(groupPort).build();
    try (FlipBox box =
        new FlipBox(BoxConfig.defaults(5).withPoolKey(key), List.of(new UdpNetwork(udp)),
            new SecureRandom())) {
      Endpoint e = box.open(priv);
      e.join(group);
      System.out.println("ready " + FlipAddress.toString(e.address()));
      System.out.flush();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (System.nanoTime() < deadline) {
        Message m = e.receive(1_000_000_000L);
        if (m == null) {
          continue;
        }
        ByteBuffer p = m.payload();
        String head = p.remaining() <= 16 ? StandardCharsets.UTF_8.decode(p.duplicate()).toString() : "";
        ByteBuffer reply;
        if (head.equals("stats")) {
          reply = text("bad-tag " + box.drops().get(DropReason.BAD_TAG));
        } else if (p.remaining() <= 65536) {
          reply = p;
        } else {
          reply = text("got " + p.remaining());
        }
        e.send(m.source(), reply);
        m.release();
      }
    }
  }

  static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }
}
