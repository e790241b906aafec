package amoeba.flip.net;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * FLIP over UDP/IP: unicast to one station, IP multicast (or a static peer list) to all.
 *
 * <p>Two non-blocking channels share one selector:
 *
 * <ul>
 *   <li>the unicast channel, bound to (bind address, port); its address is {@link #self()}, and
 *       every packet, multicast included, is sent from it, so receivers see the sender's unicast
 *       station as the source and can answer it directly;
 *   <li>the multicast channel, bound to (group, group port) with SO_REUSEADDR so that every box
 *       on the host (several processes, or several boxes in one JVM) receives the group. It joins
 *       the group on the configured interface only. Binding to the group address rather than the
 *       wildcard means (on Linux) it receives that group's datagrams and nothing else.
 * </ul>
 *
 * <p>Safety: the sending channel has IP_MULTICAST_IF set to the configured interface (left to
 * defaults, Java would pick the default interface and packets would leave the host),
 * IP_MULTICAST_TTL to the configured TTL (0 by default: never routed) and IP_MULTICAST_LOOP on,
 * so boxes on the same host hear each other. A box hears its own broadcasts too; the box, not
 * the network, decides whether to drop them.
 *
 * <p>Steady-state receive and send allocate nothing: the JDK reuses the sender's address object
 * while the sender does not change, and a small cache maps addresses to {@link UdpStation}s.
 *
 * <p>Drops are counted, never thrown: a datagram the OS refuses (queue full, no route, filtered)
 * counts in {@link #sendFailures()}, one longer than {@link #maxPacketBytes()} in {@link
 * #oversizeDrops()}, one addressed to a non-UDP station in {@link #foreignStationDrops()}.
 */
public final class UdpNetwork implements Network {

  /** Bound on the address-to-station cache; a flood of spoofed sources only costs a clear. */
  private static final int MAX_CACHED_STATIONS = 4096;

  /** select(Consumer, ms) instead of selectedKeys(): no key set, no iterator per wait. */

  private final UdpConfig config;
  private final String name;
  private final DatagramChannel unicast;
  private final DatagramChannel multicast; // null in peer-list mode
  private final Selector selector;
  private final UdpStation self;
  private final InetSocketAddress groupTarget; // null in peer-list mode
  private final InetSocketAddress[] peerTargets; // peers other than self; empty in multicast mode
  private final int receiveBufferBytes;
  private final ConcurrentHashMap<SocketAddress, UdpStation> stations = new ConcurrentHashMap<>();
  private final AtomicBoolean wakeupRequested = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong sendFailures = new AtomicLong();
  private final AtomicLong oversizeDrops = new AtomicLong();
  private final AtomicLong foreignStationDrops = new AtomicLong();

  /** Alternates which channel is polled first, so a unicast flood cannot starve the group. */
  private boolean multicastFirst;

  /** Set by the selector callback when the multicast channel is readable. */
  private boolean multicastReady;

  private final Consumer<SelectionKey> onReady = this::noteReady;

  private void noteReady(SelectionKey key) {
    multicastReady |= key.channel() == multicast;
  }

  /**
   * Opens the sockets and joins the group.
   *
   * @throws IOException if the interface is missing or down, a port is taken (the unicast one),
   *     or the group cannot be joined; the message names the configuration field to fix
   */
  public UdpNetwork(UdpConfig config) throws IOException {
    this.config = Objects.requireNonNull(config, "config");
    ProtocolFamily family =
        config.bindAddress() instanceof Inet4Address
            ? StandardProtocolFamily.INET
            : StandardProtocolFamily.INET6;
    NetworkInterface nif = config.peerListMode() ? null : multicastInterface(config);
    List<AutoCloseable> opened = new ArrayList<>(3);
    try {
      unicast = DatagramChannel.open(family);
      opened.add(unicast);
      unicast.setOption(StandardSocketOptions.SO_RCVBUF, config.receiveBufferBytes());
      unicast.setOption(StandardSocketOptions.SO_SNDBUF, config.sendBufferBytes());
      unicast.bind(new InetSocketAddress(config.bindAddress(), config.bindPort()));
      unicast.configureBlocking(false);
      self = new UdpStation((InetSocketAddress) unicast.getLocalAddress());
      stations.put(self.address(), self);

      if (nif == null) {
        multicast = null;
        groupTarget = null;
        peerTargets =
            config.peers().stream()
                .filter(p -> !p.equals(self.address()))
                .distinct()
                .toArray(InetSocketAddress[]::new);
        name =
            "udp:" + self.address().getAddress().getHostAddress() + ":peers"
                + config.peers().size();
      } else {
        // Options for what we send: the multicast channel below only receives.
        unicast.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
        unicast.setOption(StandardSocketOptions.IP_MULTICAST_TTL, config.ttl());
        unicast.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);

        groupTarget = new InetSocketAddress(config.group(), config.groupPort());
        multicast = DatagramChannel.open(family);
        opened.add(multicast);
        multicast.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        multicast.setOption(StandardSocketOptions.SO_RCVBUF, config.receiveBufferBytes());
        multicast.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
        multicast.setOption(StandardSocketOptions.IP_MULTICAST_TTL, config.ttl());
        multicast.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
        multicast.bind(groupTarget);
        try {
          multicast.join(config.group(), nif);
        } catch (IOException | UnsupportedOperationException e) {
          throw new IOException(
              "cannot join multicast group " + config.group().getHostAddress() + " on interface '"
                  + config.interfaceName() + "' (UdpConfig.interfaceName / group): " + e, e);
        }
        multicast.configureBlocking(false);
        peerTargets = new InetSocketAddress[0];
        name = "udp:" + config.interfaceName() + ":" + config.group().getHostAddress() + ":"
            + config.groupPort();
      }
      receiveBufferBytes = unicast.getOption(StandardSocketOptions.SO_RCVBUF);

      selector = Selector.open();
      opened.add(selector);
      unicast.register(selector, SelectionKey.OP_READ);
      if (multicast != null) {
        multicast.register(selector, SelectionKey.OP_READ);
      }
    } catch (IOException | RuntimeException e) {
      for (AutoCloseable c : opened) {
        closeQuietly(c);
      }
      throw e;
    }
  }

  private static NetworkInterface multicastInterface(UdpConfig config) throws IOException {
    NetworkInterface nif = NetworkInterface.getByName(config.interfaceName());
    if (nif == null) {
      throw new IOException(
          "no network interface named '" + config.interfaceName() + "' (UdpConfig.interfaceName)");
    }
    if (!nif.isUp()) {
      throw new IOException("network interface '" + config.interfaceName() + "' is down");
    }
    return nif;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public UdpStation self() {
    return self;
  }

  @Override
  public int maxPacketBytes() {
    return config.maxPacketBytes();
  }

  /** The configuration this network was opened with. */
  public UdpConfig config() {
    return config;
  }

  /** False in peer-list mode: no multicast socket was opened. */
  public boolean usesMulticast() {
    return multicast != null;
  }

  /** SO_RCVBUF as granted by the kernel, bytes (may be below the requested size). */
  public int receiveBufferBytes() {
    return receiveBufferBytes;
  }

  /** Datagrams the OS refused to send (queue full, unreachable, filtered). */
  public long sendFailures() {
    return sendFailures.get();
  }

  /** Packets not sent because they exceed {@link #maxPacketBytes()}. */
  public long oversizeDrops() {
    return oversizeDrops.get();
  }

  /** Packets not sent because the station was not a {@link UdpStation}. */
  public long foreignStationDrops() {
    return foreignStationDrops.get();
  }

  @Override
  public void send(ByteBuffer packet, Station to) throws IOException {
    if (!(to instanceof UdpStation)) {
      ensureOpen();
      foreignStationDrops.incrementAndGet();
      return;
    }
    sendTo(packet, ((UdpStation) to).address());
  }

  @Override
  public void broadcast(ByteBuffer packet) throws IOException {
    if (groupTarget != null) {
      sendTo(packet, groupTarget);
      return;
    }
    for (InetSocketAddress peer : peerTargets) {
      sendTo(packet, peer);
    }
    sendTo(packet, self.address());
  }

  private void sendTo(ByteBuffer packet, InetSocketAddress target) throws IOException {
    ensureOpen();
    if (packet.remaining() > config.maxPacketBytes()) {
      oversizeDrops.incrementAndGet();
      return;
    }
    int position = packet.position(); // send() consumes; the contract leaves the buffer unchanged
    try {
      if (unicast.send(packet, target) == 0) {
        sendFailures.incrementAndGet(); // socket send queue full: a silent drop
      }
    } catch (ClosedChannelException e) {
      throw e;
    } catch (IOException e) {
      sendFailures.incrementAndGet(); // EPERM (filtered), unreachable, ENOBUFS: the packet is lost
    } finally {
      packet.position(position);
    }
  }

  /**
   * Polls both sockets; if neither holds a datagram, waits on the selector and polls again.
   * Returns null at the timeout, after {@link #wakeup()}, or at once if the calling thread is
   * interrupted (the interrupt status stays set). Packets this station sent to the group are
   * delivered too.
   */
  @Override
  public Station receive(ByteBuffer into, long timeoutNanos) throws IOException {
    long deadline = 0;
    boolean waited = false;
    try {
      for (; ; ) {
        Station from = poll(into);
        if (from != null) {
          return from;
        }
        if (wakeupRequested.getAndSet(false) || Thread.currentThread().isInterrupted()) {
          return null;
        }
        long now = System.nanoTime();
        if (!waited) {
          deadline = now + Math.min(Math.max(timeoutNanos, 0), Long.MAX_VALUE / 4);
          waited = true;
        }
        long remainingNs = deadline - now;
        if (remainingNs <= 0) {
          return null;
        }
        // Rounded up so a short timeout waits at least until it has passed (select(0) = forever).
        multicastReady = false;
        selector.select(onReady, Math.max(1, (remainingNs + 999_999) / 1_000_000));
        // Read the channel that woke us first: saves a failed recvfrom per packet.
        multicastFirst = !multicastReady;
      }
    } catch (ClosedSelectorException e) {
      ClosedChannelException closedException = new ClosedChannelException();
      closedException.initCause(e);
      throw closedException;
    }
  }

  private Station poll(ByteBuffer into) throws IOException {
    multicastFirst = !multicastFirst;
    SocketAddress from;
    if (multicast != null && multicastFirst) {
      from = multicast.receive(into);
      if (from == null) {
        from = unicast.receive(into);
      }
    } else {
      from = unicast.receive(into);
      if (from == null && multicast != null) {
        from = multicast.receive(into);
      }
    }
    return from == null ? null : station(from);
  }

  private UdpStation station(SocketAddress address) {
    UdpStation s = stations.get(address);
    if (s == null) {
      if (stations.size() >= MAX_CACHED_STATIONS) {
        stations.clear(); // stations have value equality: a fresh instance is still equal
      }
      s = new UdpStation((InetSocketAddress) address);
      UdpStation raced = stations.putIfAbsent(address, s);
      if (raced != null) {
        s = raced;
      }
    }
    return s;
  }

  @Override
  public void wakeup() {
    wakeupRequested.set(true);
    selector.wakeup();
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed.get()) {
      throw new ClosedChannelException();
    }
  }

  /** Closes the selector and both channels; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closeQuietly(selector); // wakes a receive blocked in select
    closeQuietly(unicast);
    if (multicast != null) {
      closeQuietly(multicast); // also leaves the group
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // Nothing useful to do: the socket is gone either way, and close() must not throw.
    }
  }

  @Override
  public String toString() {
    return name + " self=" + self;
  }
}
