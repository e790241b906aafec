package amoeba.flip.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;

/** Ports for tests that open real sockets on loopback. */
final class UdpNetworkTestPorts {
  private UdpNetworkTestPorts() {}

  /** A UDP port free on 127.0.0.1 right now; each test's own group port, so runs do not mix. */
  static int free() throws IOException {
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      return ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
  }
}
