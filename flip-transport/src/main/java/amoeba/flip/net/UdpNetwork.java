package amoeba.flip.net;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
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
 *       wildcard means (on Linux) it receives that group's datagrams and nothing else. It
 *       carries broadcasts (LOCATE, and group traffic of routers' other networks);
 *   <li>a channel per IP group this box {@linkplain #subscribe subscribed to}: a FLIP group
 *       address hashes to one of {@value #CHANNELS} IP groups after the configured one (group +
 *       1 .. group + {@value #CHANNELS}, the same on every box), opened (bound and joined as
 *       above) when a local endpoint first joins a FLIP group that maps to it. As FLIP mapped
 *       groups to Ethernet multicast addresses so that NICs filter them, a board with no member
 *       of the directory's group is not woken by its every ORDERED and SYNC.
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

  /**
   * IP groups that FLIP groups hash onto. A protocol constant: every box of a pool must map a
   * FLIP group to the same IP group. Few, because a router joins them all (Linux allows 20
   * memberships per socket by default).
   */
  public static final int CHANNELS = 8;

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

  private final NetworkInterface nif; // null in peer-list mode
  /** Channel k's target (1..CHANNELS); null without channels (peer list, IPv6, range end). */
  private final InetSocketAddress[] channelTargets;
  private final DatagramChannel[] channels = new DatagramChannel[CHANNELS + 1]; // guarded by this
  private final int[] channelUsers = new int[CHANNELS + 1]; // guarded by this
  private boolean allChannels; // guarded by this

  /**
   * The channels the last select found readable and not yet found empty, read in turn (so a
   * flood on one cannot starve the others). Only the receiving thread touches them. Reading
   * just these, rather than trying every channel before each wait, saves a failed recvfrom
   * per channel per packet.
   */
  private final DatagramChannel[] ready = new DatagramChannel[CHANNELS + 2];
  private int readyCount;
  private int readyNext;
  /** Packets read since the selector last looked; it looks every 32 (a flood never empties). */
  private int sinceLook;

  private final Consumer<SelectionKey> onReady = this::noteReady;

  private void noteReady(SelectionKey key) {
    DatagramChannel c = (DatagramChannel) key.channel();
    for (int i = 0; i < readyCount; i++) {
      if (ready[i] == c) {
        return;
      }
    }
    if (readyCount < ready.length) {
      ready[readyCount++] = c;
    }
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
    nif = config.peerListMode() ? null : multicastInterface(config);
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
        multicast = openGroupSocket(family, groupTarget);
        opened.add(multicast);
        peerTargets = new InetSocketAddress[0];
        name = "udp:" + config.interfaceName() + ":" + config.group().getHostAddress() + ":"
            + config.groupPort();
      }
      receiveBufferBytes = unicast.getOption(StandardSocketOptions.SO_RCVBUF);
      channelTargets = multicast == null ? null : channelTargets(config);

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

  /** group + 1 .. group + CHANNELS, or null if that leaves IPv4 multicast (or is IPv6). */
  private static InetSocketAddress[] channelTargets(UdpConfig config) throws IOException {
    if (!(config.group() instanceof Inet4Address)) {
      return null;
    }
    byte[] b = config.group().getAddress();
    int base = (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    InetSocketAddress[] targets = new InetSocketAddress[CHANNELS + 1];
    for (int k = 1; k <= CHANNELS; k++) {
      int a = base + k;
      InetAddress ip = InetAddress.getByAddress(
          new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
      if (!ip.isMulticastAddress()) {
        return null;
      }
      targets[k] = new InetSocketAddress(ip, config.groupPort());
    }
    return targets;
  }

  /** The channel (1..CHANNELS) of a FLIP group: the top bits of a multiplicative hash. */
  static int channelOf(long group) {
    int bits = Integer.numberOfTrailingZeros(CHANNELS);
    return 1 + (int) ((group * 0x9E3779B97F4A7C15L) >>> (64 - bits));
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
  public void multicast(ByteBuffer packet, long group) throws IOException {
    if (channelTargets == null) {
      broadcast(packet);
    } else {
      sendTo(packet, channelTargets[channelOf(group)]);
    }
  }

  @Override
  public synchronized void subscribe(long group) throws IOException {
    if (channelTargets != null) {
      int k = channelOf(group);
      if (channels[k] == null) {
        open(k);
      }
      channelUsers[k]++;
    }
  }

  @Override
  public synchronized void unsubscribe(long group) {
    if (channelTargets != null) {
      int k = channelOf(group);
      if (channelUsers[k] > 0 && --channelUsers[k] == 0 && !allChannels && channels[k] != null) {
        DatagramChannel c = channels[k];
        channels[k] = null;
        closeQuietly(c); // deregisters it; a receive reading it now skips it (see poll)
      }
    }
  }

  @Override
  public synchronized void subscribeAll() throws IOException {
    if (channelTargets != null && !allChannels) {
      allChannels = true;
      for (int k = 1; k <= CHANNELS; k++) {
        if (channels[k] == null) {
          open(k);
        }
      }
    }
  }

  /** Opens channel k (IPv4 only, see channelTargets) and adds it to what receive polls. */
  private void open(int k) throws IOException {
    ensureOpen();
    DatagramChannel c = openGroupSocket(StandardProtocolFamily.INET, channelTargets[k]);
    try {
      c.register(selector, SelectionKey.OP_READ);
    } catch (IOException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
    channels[k] = c;
    selector.wakeup(); // a select in progress does not see the new key
  }

  /**
   * A non-blocking socket that receives {@code target}'s IP group: bound to the group address
   * with SO_REUSEADDR (every box on the host hears it), joined on the configured interface only.
   * Closed again if any step fails; a failed join names the configuration fields to fix.
   */
  private DatagramChannel openGroupSocket(ProtocolFamily family, InetSocketAddress target)
      throws IOException {
    DatagramChannel c = DatagramChannel.open(family);
    try {
      c.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      c.setOption(StandardSocketOptions.SO_RCVBUF, config.receiveBufferBytes());
      c.setOption(StandardSocketOptions.IP_MULTICAST_IF, nif);
      c.setOption(StandardSocketOptions.IP_MULTICAST_TTL, config.ttl());
      c.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
      c.bind(target);
      try {
        c.join(target.getAddress(), nif);
      } catch (IOException | UnsupportedOperationException e) {
        throw new IOException(
            "cannot join multicast group " + target.getAddress().getHostAddress() + " on interface '"
                + config.interfaceName() + "' (UdpConfig.interfaceName / group): " + e, e);
      }
      c.configureBlocking(false);
      return c;
    } catch (IOException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
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
   * Reads the sockets known to be readable; once all are empty, waits on the selector for more
   * (a timeout of 0: one look without waiting).
   * Returns null at the timeout, after {@link #wakeup()}, or at once if the calling thread is
   * interrupted (the interrupt status stays set). Packets this station sent to the group are
   * delivered too.
   */
  @Override
  public Station receive(ByteBuffer into, long timeoutNanos) throws IOException {
    long deadline = 0;
    boolean waited = false;
    boolean lookedNow = false;
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
          if (lookedNow) {
            return null;
          }
          lookedNow = true; // out of time: one look without waiting at every channel
          look(0);
          continue;
        }
        // Rounded up so a short timeout waits at least until it has passed (select(0) = forever).
        look(Math.max(1, (remainingNs + 999_999) / 1_000_000));
      }
    } catch (ClosedSelectorException e) {
      ClosedChannelException closedException = new ClosedChannelException();
      closedException.initCause(e);
      throw closedException;
    }
  }

  /** Asks the selector which channels are readable: 0 ms without waiting, else at most that. */
  private void look(long millis) throws IOException {
    sinceLook = 0;
    if (millis == 0) {
      selector.selectNow(onReady);
    } else {
      selector.select(onReady, millis);
    }
  }

  /** One datagram from the channels known to be readable, in turn; null once all are empty. */
  private Station poll(ByteBuffer into) throws IOException {
    if (readyCount > 0 && ++sinceLook >= 32) {
      look(0); // channels that became readable meanwhile join the turn
    }
    while (readyCount > 0) {
      if (readyNext >= readyCount) {
        readyNext = 0;
      }
      SocketAddress from = receive(ready[readyNext], into);
      if (from != null) {
        readyNext++;
        return station(from);
      }
      ready[readyNext] = ready[--readyCount]; // empty: out of the turn
      ready[readyCount] = null;
    }
    return null;
  }

  /** One datagram from {@code c}, or null; a channel closed by unsubscribe counts as empty. */
  private SocketAddress receive(DatagramChannel c, ByteBuffer into) throws IOException {
    try {
      return c.receive(into);
    } catch (ClosedChannelException e) {
      if (closed.get() || c == unicast || c == multicast) {
        throw e;
      }
      return null;
    }
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
    synchronized (this) {
      for (DatagramChannel c : channels) {
        if (c != null) {
          closeQuietly(c);
        }
      }
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
