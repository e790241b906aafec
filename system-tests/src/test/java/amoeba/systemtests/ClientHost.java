package amoeba.systemtests;

import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

/**
 * The FLIP endpoint and RPC of a client host's program ({@link RegisterClients},
 * {@link BulletFiles}, {@link MixedLoad}): UDP on the host's eth0 at {@code address}, TTL 1 (the
 * bridge, never beyond), the pool key given in hex.
 */
final class ClientHost implements AutoCloseable {
  final byte[] key;
  final Rpc rpc;
  private final FlipBox box;

  private ClientHost(byte[] key, FlipBox box) {
    this.key = key;
    this.box = box;
    this.rpc = new Rpc(box, RpcConfig.defaults(), new SecureRandom());
  }

  static ClientHost open(String keyHex, String address) throws IOException {
    byte[] key = HexFormat.of().parseHex(keyHex);
    UdpConfig udp = UdpConfig.builder().interfaceName("eth0").bindAddress(address).ttl(1).build();
    return new ClientHost(key, new FlipBox(BoxConfig.defaults(1).withPoolKey(key),
        List.of(new UdpNetwork(udp)), new SecureRandom()));
  }

  @Override
  public void close() {
    rpc.close();
    box.close();
  }
}
