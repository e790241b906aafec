package amoeba.flip.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link UdpNetwork} attaches to IP. The defaults are the safe single-host ones
 * (docs: test-hosts.md): interface {@code lo}, group {@code 239.77.0.1:7700} (administratively
 * scoped), multicast TTL 0 so nothing is routed off the host, unicast bound to 127.0.0.1 on an
 * ephemeral port. Inside a network namespace use the namespace's interface (e.g. {@code eth0}),
 * its address and TTL 1.
 *
 * <p>With a non-empty {@code peers} list the network runs in peer-list mode for networks that
 * block multicast: broadcast becomes one unicast per peer (plus one to this station), and no
 * multicast socket is opened ({@code interfaceName}, {@code group}, {@code groupPort} and
 * {@code ttl} are then unused).
 *
 * @param interfaceName the interface multicast is joined and sent on, e.g. {@code lo}, {@code eth0}
 * @param group the IP multicast group (IPv4 239.0.0.0/8 recommended)
 * @param groupPort the UDP port every station of the pool listens on for the group
 * @param bindAddress the unicast address; it is also this station's address, so not a wildcard
 * @param bindPort the unicast port, 0 for an ephemeral one
 * @param ttl the multicast TTL: 0 stays on the host, 1 stays on the link
 * @param maxPacketBytes the largest datagram payload sent or expected, 1..65507 bytes
 * @param receiveBufferBytes SO_RCVBUF requested, bytes (the kernel caps it at net.core.rmem_max)
 * @param sendBufferBytes SO_SNDBUF requested, bytes (the kernel caps it at net.core.wmem_max)
 * @param peers the static peer list; empty for multicast mode
 */
public record UdpConfig(
    String interfaceName,
    InetAddress group,
    int groupPort,
    InetAddress bindAddress,
    int bindPort,
    int ttl,
    int maxPacketBytes,
    int receiveBufferBytes,
    int sendBufferBytes,
    List<InetSocketAddress> peers) {

  /** The default group: administratively scoped, so routers never forward it. */
  public static final String DEFAULT_GROUP = "239.77.0.1";

  public static final int DEFAULT_GROUP_PORT = 7700;

  /** 1500-byte Ethernet MTU minus 20 bytes of IPv4 header and 8 of UDP header: no IP fragments. */
  public static final int LAN_MAX_PACKET_BYTES = 1472;

  /** The largest IPv4 UDP payload: 65535 - 20 - 8. Only sensible on loopback. */
  public static final int MAX_UDP_PAYLOAD_BYTES = 65507;

  /** 4 MiB: enough that bulk tests on loopback do not overrun the socket queue. */
  public static final int DEFAULT_SOCKET_BUFFER_BYTES = 4 << 20;

  public UdpConfig {
    Objects.requireNonNull(interfaceName, "interfaceName");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(bindAddress, "bindAddress");
    peers = List.copyOf(peers);
    if (!group.isMulticastAddress()) {
      throw new IllegalArgumentException("not a multicast group: " + group);
    }
    if (group instanceof Inet4Address != bindAddress instanceof Inet4Address) {
      throw new IllegalArgumentException(
          "group " + group + " and bind address " + bindAddress + " differ in IP version");
    }
    checkPort("groupPort", groupPort, 1);
    checkPort("bindPort", bindPort, 0);
    if (ttl < 0 || ttl > 255) {
      throw new IllegalArgumentException("ttl must be 0..255: " + ttl);
    }
    if (maxPacketBytes < 1 || maxPacketBytes > MAX_UDP_PAYLOAD_BYTES) {
      throw new IllegalArgumentException(
          "maxPacketBytes must be 1.." + MAX_UDP_PAYLOAD_BYTES + ": " + maxPacketBytes);
    }
    if (receiveBufferBytes < 1 || sendBufferBytes < 1) {
      throw new IllegalArgumentException("socket buffer sizes must be positive");
    }
    for (InetSocketAddress peer : peers) {
      if (peer.isUnresolved()) {
        throw new IllegalArgumentException("unresolved peer: " + peer);
      }
    }
  }

  private static void checkPort(String what, int port, int min) {
    if (port < min || port > 65535) {
      throw new IllegalArgumentException(what + " must be " + min + "..65535: " + port);
    }
  }

  /** The safe single-host defaults. */
  public static UdpConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.interfaceName = interfaceName;
    b.group = group;
    b.groupPort = groupPort;
    b.bindAddress = bindAddress;
    b.bindPort = bindPort;
    b.ttl = ttl;
    b.maxPacketBytes = maxPacketBytes;
    b.receiveBufferBytes = receiveBufferBytes;
    b.sendBufferBytes = sendBufferBytes;
    b.peers = peers;
    return b;
  }

  /** True when broadcast goes to a static peer list instead of a multicast group. */
  public boolean peerListMode() {
    return !peers.isEmpty();
  }

  /** Mutable builder; every field starts at the safe default. */
  public static final class Builder {
    private String interfaceName = "lo";
    private InetAddress group = literal(DEFAULT_GROUP);
    private int groupPort = DEFAULT_GROUP_PORT;
    private InetAddress bindAddress = literal("127.0.0.1");
    private int bindPort = 0;
    private int ttl = 0;
    private int maxPacketBytes = LAN_MAX_PACKET_BYTES;
    private int receiveBufferBytes = DEFAULT_SOCKET_BUFFER_BYTES;
    private int sendBufferBytes = DEFAULT_SOCKET_BUFFER_BYTES;
    private List<InetSocketAddress> peers = List.of();

    private Builder() {}

    public Builder interfaceName(String name) {
      this.interfaceName = name;
      return this;
    }

    public Builder group(InetAddress group) {
      this.group = group;
      return this;
    }

    /** A numeric group address, e.g. {@code 239.77.0.2} (no name lookup). */
    public Builder group(String numericAddress) {
      this.group = literal(numericAddress);
      return this;
    }

    public Builder groupPort(int port) {
      this.groupPort = port;
      return this;
    }

    public Builder bindAddress(InetAddress address) {
      this.bindAddress = address;
      return this;
    }

    /** A numeric unicast address, e.g. {@code 10.77.0.1} (no name lookup). */
    public Builder bindAddress(String numericAddress) {
      this.bindAddress = literal(numericAddress);
      return this;
    }

    public Builder bindPort(int port) {
      this.bindPort = port;
      return this;
    }

    public Builder ttl(int ttl) {
      this.ttl = ttl;
      return this;
    }

    public Builder maxPacketBytes(int bytes) {
      this.maxPacketBytes = bytes;
      return this;
    }

    /** Sets SO_RCVBUF and SO_SNDBUF alike. */
    public Builder socketBufferBytes(int bytes) {
      this.receiveBufferBytes = bytes;
      this.sendBufferBytes = bytes;
      return this;
    }

    public Builder receiveBufferBytes(int bytes) {
      this.receiveBufferBytes = bytes;
      return this;
    }

    public Builder sendBufferBytes(int bytes) {
      this.sendBufferBytes = bytes;
      return this;
    }

    /** A non-empty list switches to peer-list mode (no multicast). */
    public Builder peers(List<InetSocketAddress> peers) {
      this.peers = peers;
      return this;
    }

    public UdpConfig build() {
      return new UdpConfig(
          interfaceName, group, groupPort, bindAddress, bindPort, ttl, maxPacketBytes,
          receiveBufferBytes, sendBufferBytes, peers);
    }
  }

  /** Parses a numeric address without ever consulting DNS. */
  static InetAddress literal(String numeric) {
    // InetAddress.getByName does no lookup for an IPv4 dotted quad or anything with a colon.
    boolean dottedQuad =
        !numeric.isEmpty() && numeric.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    if (!dottedQuad && numeric.indexOf(':') < 0) {
      throw new IllegalArgumentException("not a numeric IP address: " + numeric);
    }
    try {
      return InetAddress.getByName(numeric);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not a numeric IP address: " + numeric, e);
    }
  }
}
