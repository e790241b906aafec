package amoeba.flip.net;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A station on a {@link UdpNetwork}: one resolved IP address and UDP port. Value equality on the
 * address, so a station learned from a received packet equals one built from configuration.
 */
public record UdpStation(InetSocketAddress address) implements Station {

  public UdpStation {
    Objects.requireNonNull(address, "address");
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("unresolved address: " + address);
    }
  }

  /** {@code udp:127.0.0.1:45678}. */
  @Override
  public String toString() {
    String host = address.getAddress().getHostAddress();
    return host.indexOf(':') >= 0
        ? "udp:[" + host + "]:" + address.getPort()
        : "udp:" + host + ":" + address.getPort();
  }
}
