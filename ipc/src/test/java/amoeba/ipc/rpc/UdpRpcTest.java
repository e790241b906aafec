package amoeba.ipc.rpc;

import static amoeba.ipc.rpc.Pool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;

import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Pool.CountingServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** RPC between two boxes over real UDP sockets on loopback (TTL 0, a fresh group port). */
class UdpRpcTest {
  static int freePort() throws IOException {
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      return ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
  }

  @Test
  void callsAndOneMebibyteOverUdp() throws IOException {
    UdpConfig udp = UdpConfig.builder().groupPort(freePort()).build();
    SplittableRandom random = new SplittableRandom(21);
    byte[] key = new byte[32];
    random.nextBytes(key);
    BoxConfig box = BoxConfig.defaults(3).withPoolKey(key);
    try (FlipBox a = new FlipBox(box, List.of(new UdpNetwork(udp)), random.split());
        FlipBox b = new FlipBox(box, List.of(new UdpNetwork(udp)), random.split());
        Rpc serverRpc = new Rpc(a, Pool.FAST, random.split());
        Rpc client = new Rpc(b, Pool.FAST, random.split())) {
      Port port = Port.random(random);
      CountingServer server = new CountingServer(port, random);
      server.serve(serverRpc.server(port), 2);
      try {
        for (int n = 0; n < 200; n++) {
          int i = n;
          RpcMessage reply = client.trans(RpcTest.echo(port, i, 64), SECOND);
          assertEquals(0, reply.status(), () -> "call " + i + ": client " + client.stats()
              + " server " + serverRpc.stats() + " drops " + b.drops() + " / " + a.drops());
          assertEquals(i, reply.data().getLong(reply.data().position()));
        }
        RpcMessage big = RpcTest.echo(port, 1_000, 1 << 20);
        ByteBuffer d = big.data();
        d.put(d.limit() - 1, (byte) 0x5a);
        RpcMessage reply = client.trans(big, 10 * SECOND);
        assertEquals(0, reply.status());
        assertEquals(1 << 20, reply.dataLength());
        assertEquals(0x5a, reply.data().get(reply.data().limit() - 1));
        assertEquals(201, server.totalExecutions());
      } finally {
        server.stop();
      }
    }
  }
}
