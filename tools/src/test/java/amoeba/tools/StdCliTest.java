package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.tools.CapCommandTest.Result;
import amoeba.tools.bench.NullServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** std info, cap restrict (through the server) and cap revoke against a server on UDP/lo. */
class StdCliTest {
  FlipBox box;
  Rpc rpc;
  NullServer server;
  String groupPort;

  @BeforeEach
  void start() throws IOException {
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    groupPort = Integer.toString(port);
    SplittableRandom random = new SplittableRandom(3);
    box = new FlipBox(BoxConfig.defaults(1),
        List.of(new UdpNetwork(UdpConfig.builder().groupPort(port).build())), random.split());
    rpc = new Rpc(box, RpcConfig.defaults(), random.split());
    Port get = Port.random(random);
    server = new NullServer(get.putPort(), random.split());
    server.serve(rpc.server(get), 2);
  }

  @AfterEach
  void stop() {
    server.stop();
    rpc.close();
    box.close();
  }

  Result amoeba(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--group-port";
    all[args.length + 1] = groupPort;
    return CapCommandTest.amoeba(all);
  }

  @Test
  void infoPrintsTheServersText() {
    Result r = amoeba("std", "info", CapabilityText.format(server.owner()));
    assertEquals(0, r.status(), r.err());
    assertEquals("null server object\n", r.out());
  }

  @Test
  void restrictOfANonOwnerGoesToTheServer() {
    Result rw = amoeba("cap", "restrict", CapabilityText.format(server.owner()), "--rights", "0x06");
    assertEquals(0, rw.status(), rw.err()); // owner: local
    Capability local = CapabilityText.parse(rw.out().strip());
    Result r = amoeba("cap", "restrict", rw.out().strip(), "--rights", "0x03");
    assertEquals(0, r.status(), r.err()); // non-owner: STD_RESTRICT
    Capability remote = CapabilityText.parse(r.out().strip());
    assertEquals(Rights.READ, remote.rights());
    assertEquals(local.object(), remote.object());
    assertEquals(0, amoeba("std", "info", r.out().strip()).status());
  }

  @Test
  void revokeMakesOldCapabilitiesCapbad() {
    String old = CapabilityText.format(server.owner());
    Result r = amoeba("cap", "revoke", old);
    assertEquals(0, r.status(), r.err());
    Result info = amoeba("std", "info", old);
    assertEquals(1, info.status());
    assertTrue(info.err().startsWith("amoeba: STD_INFO: CAPBAD (-1000)"), info.err());
    assertEquals(1, info.err().lines().filter(l -> l.startsWith("amoeba:")).count());
    assertEquals(0, amoeba("std", "info", r.out().strip()).status());
  }
}
