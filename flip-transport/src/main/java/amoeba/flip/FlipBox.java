package amoeba.flip;

import amoeba.flip.fragment.Reassembler;
import amoeba.flip.net.Network;
import amoeba.flip.net.Station;
import amoeba.flip.security.PacketAuthenticator;
import amoeba.flip.security.ReplayWindow;
import amoeba.flip.stats.DropCounters;
import amoeba.flip.stats.DropReason;
import amoeba.flip.stats.EnumCounters;
import amoeba.flip.wire.FlipAddress;
import amoeba.flip.wire.FlipHeader;
import amoeba.flip.wire.PacketCheck;
import amoeba.flip.wire.PacketFlags;
import amoeba.flip.wire.PacketType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The FLIP box of one board JVM: it owns the networks, registers endpoints, keeps the hint
 * cache, answers and sends LOCATE / HEREIS / NOTHERE, fragments and reassembles messages.
 *
 * <p>Reliability does not live here: FLIP is a datagram service, and a message may be lost,
 * duplicated or reordered like the packets of the networks below it (a message is whole or not
 * delivered at all). RPC and group communication above add retransmission, duplicate
 * suppression and order (docs/architecture.md). The box does hold
 * packets for a destination that is being located, and resends a packet that came back as
 * NOTHERE once the destination is found again: that is what makes migration invisible.
 *
 * <p>Threads: whoever waits leads the read of the first network ({@link Pump}); each further
 * network has a reader thread of its own; one housekeeping thread retries locates, expires
 * reassembly, and reads the first network while nobody else does.
 */
public final class FlipBox implements AutoCloseable {
  private static final long HOUSEKEEPING_NANOS = 20_000_000L;
  /** The housekeeper leaves the network to threads with a purpose for this long after them. */
  private static final long IDLE_GRACE_NANOS = 10_000_000L;
  private static final int HINT_CAPACITY = 65_536;
  private static final int POOLED_MESSAGES = 1024;

  private final BoxConfig config;
  private final List<Network> networks;
  private final List<Pump> pumps;
  private final Pump primary;
  private final long epoch;
  private final long boxAddress;
  private final AtomicInteger sequence = new AtomicInteger();
  private final AtomicInteger messageIds = new AtomicInteger();
  private final PacketAuthenticator authenticator;
  private final PacketCheck check;
  private final Reassembler reassembler;
  private final DropCounters drops = new DropCounters();
  private final EnumCounters<Traffic> traffic = new EnumCounters<>(Traffic.class);
  private final LongMap<Endpoint> endpoints = new LongMap<>();
  private final LongMap<CopyOnWriteArrayList<Endpoint>> groups = new LongMap<>();
  private final HintCache hints = new HintCache(HINT_CAPACITY);
  private final ConcurrentHashMap<Long, Locating> locating = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, Retained> retained = new ConcurrentHashMap<>();
  private final ArrayDeque<Retained> retainedOrder = new ArrayDeque<>(); // guards retainedBytes
  private long retainedBytes;
  private final MessagePool pool;
  private final ThreadLocal<ByteBuffer> txBuffer;
  private final int maxPacketBytes;
  private final RandomGenerator random;
  private final List<Thread> threads = new ArrayList<>();
  /** A box on several networks routes between them. */
  private final boolean routing;
  private volatile boolean closed;

  /**
   * @param networks the networks this box is attached to; the first is read by waiting threads
   * @param random source of the epoch and of endpoint addresses (SecureRandom in production)
   */
  public FlipBox(BoxConfig config, List<Network> networks, RandomGenerator random) {
    if (networks.isEmpty()) {
      throw new IllegalArgumentException("a box needs at least one network");
    }
    this.config = config;
    this.networks = List.copyOf(networks);
    this.routing = networks.size() > 1;
    if (routing) {
      for (Network n : this.networks) {
        subscribeAll(n); // a router forwards every group's packets, members here or not
      }
    }
    this.random = random;
    this.epoch = random.nextLong();
    this.boxAddress = FlipAddress.randomPrivate(random);
    byte[] key = config.poolKey();
    if (key == null) {
      Logger.warn("FLIP box has no pool key: packets are not authenticated");
    }
    this.authenticator = key == null ? null : new PacketAuthenticator(key);
    this.check =
        new PacketCheck(
            config.poolId(), authenticator, new ReplayWindow(4096), config.maxMessageBytes(), drops);
    this.reassembler =
        new Reassembler(
            config.maxMessageBytes(), config.reassemblyBytesPerSource(),
            config.reassemblyBytesTotal(), config.reassemblyTimeoutNanos(), System::nanoTime,
            drops);
    this.maxPacketBytes = networks.stream().mapToInt(Network::maxPacketBytes).max().getAsInt();
    this.txBuffer = ThreadLocal.withInitial(() -> ByteBuffer.allocate(maxPacketBytes));
    this.pool = new MessagePool(POOLED_MESSAGES, maxPacketBytes);
    List<Pump> ps = new ArrayList<>();
    for (Network n : this.networks) {
      ps.add(new Pump(n, this::dispatch));
    }
    this.pumps = List.copyOf(ps);
    this.primary = pumps.get(0);
    for (int i = 1; i < pumps.size(); i++) {
      Pump p = pumps.get(i);
      threads.add(start("flip-rx-" + p.network().name(), () -> p.await(() -> closed, Long.MAX_VALUE)));
    }
    threads.add(start("flip-housekeeper", this::housekeep));
  }

  private static Thread start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  // ---- endpoints ----------------------------------------------------------------------------

  /**
   * Registers an endpoint that receives what is sent to {@code publicOf(privateAddress)}.
   * Several boxes may register the same address (a replicated server); one box may not twice.
   */
  public Endpoint open(long privateAddress) {
    long pub = FlipAddress.publicOf(privateAddress);
    Endpoint e = new Endpoint(this, pub, config.inboxCapacity());
    if (endpoints.putIfAbsent(pub, e) != null) {
      throw new IllegalStateException("address " + FlipAddress.toString(pub) + " is already open here");
    }
    hints.forget(pub); // it is here now, wherever it was before
    return e;
  }

  /** An endpoint at a fresh random address: what a client or a new process instance uses. */
  public Endpoint openRandom() {
    while (true) {
      try {
        return open(FlipAddress.randomPrivate(random));
      } catch (IllegalStateException taken) {
        // 2^-56 odds; draw again
      }
    }
  }

  void closed(Endpoint e) {
    endpoints.remove(e.address(), e);
    synchronized (groups) {
      groups.forEach((group, members) -> {
        if (members.remove(e) && members.isEmpty()) {
          networks.forEach(n -> n.unsubscribe(group));
        }
      });
    }
  }

  /**
   * Adds {@code e} to {@code group}; the box's first member of a group subscribes the networks
   * to it (which may open a socket).
   *
   * @throws UncheckedIOException if a network cannot subscribe (nothing is joined then)
   */
  void join(Endpoint e, long group) {
    synchronized (groups) {
      CopyOnWriteArrayList<Endpoint> members = groups.get(group);
      if (members == null) {
        members = new CopyOnWriteArrayList<>();
        groups.put(group, members);
      }
      if (members.isEmpty()) {
        for (int i = 0; i < networks.size(); i++) {
          try {
            networks.get(i).subscribe(group);
          } catch (IOException x) {
            networks.subList(0, i).forEach(n -> n.unsubscribe(group));
            throw new UncheckedIOException(x);
          }
        }
      }
      members.addIfAbsent(e);
    }
  }

  void leave(Endpoint e, long group) {
    synchronized (groups) {
      CopyOnWriteArrayList<Endpoint> members = groups.get(group);
      if (members != null && members.remove(e) && members.isEmpty()) {
        networks.forEach(n -> n.unsubscribe(group));
      }
    }
  }

  private static void subscribeAll(Network n) {
    try {
      n.subscribeAll();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Wakes waiting threads whose condition may have changed outside the read loop. */
  void wake() {
    primary.signal();
  }

  /** Waits on the first network's pump: see {@link Pump#await}. */
  boolean await(java.util.function.BooleanSupplier ready, long deadlineNanos) {
    return primary.await(ready, deadlineNanos);
  }

  // ---- sending ------------------------------------------------------------------------------

  /**
   * Sends one message (position to limit, left unchanged) from {@code source} to one endpoint.
   * Never blocks for long: an unknown destination is located in the background and the packets
   * wait for it (at most {@link BoxConfig#pendingPacketsPerDestination()}, at most the locate
   * timeout).
   */
  void send(long source, long destination, ByteBuffer message) {
    checkSize(message);
    traffic.increment(Traffic.MESSAGES_SENT);
    Endpoint local = endpoints.get(destination);
    if (local != null) {
      traffic.increment(Traffic.LOCAL_DELIVERIES);
      deliverCopy(local, source, destination, message, message.position(), message.remaining());
      primary.signal();
      return;
    }
    HintCache.Route route = hints.get(destination);
    int fragment = fragmentBytes(route == null ? null : route.network());
    int total = message.remaining();
    int id = messageIds.incrementAndGet();
    if (total > fragment) {
      retain(id, source, destination, message, fragment);
    }
    int offset = 0;
    do {
      int length = Math.min(fragment, total - offset);
      ByteBuffer packet =
          build(PacketType.UNIDATA, destination, source, id, message, offset, length, total);
      if (route != null) {
        transmit(route.network(), packet, route.station());
      } else {
        holdForLocate(destination, packet);
      }
      offset += length;
    } while (offset < total);
  }

  /** Sends one message to every member of a group address, in this box and on every network. */
  void multicast(long source, long group, ByteBuffer message) {
    checkSize(message);
    traffic.increment(Traffic.MESSAGES_SENT);
    CopyOnWriteArrayList<Endpoint> members = groups.get(group);
    if (members != null && !members.isEmpty()) {
      for (Endpoint e : members) {
        deliverCopy(e, source, group, message, message.position(), message.remaining());
      }
      primary.signal();
    }
    int total = message.remaining();
    int id = messageIds.incrementAndGet();
    for (Network n : networks) {
      int fragment = fragmentBytes(n);
      int offset = 0;
      do {
        int length = Math.min(fragment, total - offset);
        ByteBuffer packet =
            build(PacketType.MULTIDATA, group, source, id, message, offset, length, total);
        broadcast(n, packet, group);
        offset += length;
      } while (offset < total);
    }
  }

  private void checkSize(ByteBuffer message) {
    if (message.remaining() > config.maxMessageBytes()) {
      throw new IllegalArgumentException(
          "message of " + message.remaining() + " bytes exceeds the limit of "
              + config.maxMessageBytes());
    }
  }

  private int fragmentBytes(Network n) {
    int limit = n == null ? minPacketBytes() : n.maxPacketBytes();
    return Math.min(config.fragmentBytes(), limit - FlipHeader.LENGTH - FlipHeader.TAG_LENGTH);
  }

  private int minPacketBytes() {
    int min = Integer.MAX_VALUE;
    for (Network n : networks) {
      min = Math.min(min, n.maxPacketBytes());
    }
    return min;
  }

  /** Builds one packet in this thread's transmit buffer: header, payload slice, tag. */
  private ByteBuffer build(
      PacketType type, long dst, long src, int messageId, ByteBuffer message, int offset,
      int length, int total) {
    ByteBuffer b = txBuffer.get();
    b.clear();
    FlipHeader.write(
        b, 0, type, authenticator == null ? 0 : PacketFlags.AUTHENTICATED, config.maxHops(),
        config.poolId(), messageId, dst, src, length, offset, total, 0, 0);
    b.put(FlipHeader.LENGTH, message, message.position() + offset, length);
    b.limit(FlipHeader.LENGTH + length);
    return b;
  }

  /** Stamps epoch and sequence, signs, and sends one packet to one station. */
  private void transmit(Network n, ByteBuffer packet, Station to) {
    seal(packet);
    try {
      n.send(packet, to);
      traffic.increment(Traffic.PACKETS_SENT);
    } catch (IOException e) {
      drops.increment(DropReason.SEND_FAILED);
      Logger.debug("{}: send failed: {}", n.name(), e.getMessage());
    }
  }

  /** Sends a packet to {@code group}'s subscribers on {@code n}, or to all if it is NULL. */
  private static void spread(Network n, ByteBuffer packet, long group) throws IOException {
    if (group == FlipAddress.NULL) {
      n.broadcast(packet);
    } else {
      n.multicast(packet, group);
    }
  }

  /** Seals and {@linkplain #spread spreads} a packet, counted. */
  private void broadcast(Network n, ByteBuffer packet, long group) {
    seal(packet);
    try {
      spread(n, packet, group);
      traffic.increment(Traffic.PACKETS_SENT);
    } catch (IOException e) {
      drops.increment(DropReason.SEND_FAILED);
      Logger.debug("{}: broadcast failed: {}", n.name(), e.getMessage());
    }
  }

  /**
   * Every packet leaves with this box's epoch and a fresh sequence number (the receivers'
   * replay windows), then its tag. Packets are resealed when resent, so a returned NOTHERE can
   * go out again.
   */
  private void seal(ByteBuffer packet) {
    FlipHeader.epoch(packet, 0, epoch);
    FlipHeader.sequence(packet, 0, sequence.incrementAndGet());
    int length = FlipHeader.LENGTH + FlipHeader.length(packet, 0);
    if (authenticator != null) {
      FlipHeader.flags(packet, 0, FlipHeader.flags(packet, 0) | PacketFlags.AUTHENTICATED);
      packet.limit(length + FlipHeader.TAG_LENGTH);
      authenticator.sign(packet, 0, length);
    } else {
      FlipHeader.flags(packet, 0, FlipHeader.flags(packet, 0) & ~PacketFlags.AUTHENTICATED);
      packet.limit(length);
    }
    packet.position(0);
  }

  // ---- repair of large messages -------------------------------------------------------------

  /** A sent multi-fragment UNIDATA message, kept (as a copy) so lost fragments can be resent. */
  private record Retained(
      int messageId, long source, long destination, ByteBuffer data, int fragmentBytes,
      long sentNanos) {}

  /** Largest number of gaps one RESEND lists: (fragment - u16 count) / 8 bytes per gap. */
  private int gapsPerResend() {
    return (fragmentBytes(null) - 2) / 8;
  }

  private void retain(int id, long source, long destination, ByteBuffer message, int fragment) {
    ByteBuffer copy = ByteBuffer.allocate(message.remaining());
    copy.put(0, message, message.position(), message.remaining());
    Retained r = new Retained(id, source, destination, copy, fragment, System.nanoTime());
    synchronized (retainedOrder) {
      retained.put(id, r);
      retainedOrder.add(r);
      retainedBytes += copy.capacity();
      while (retainedBytes > config.retainBytes() && retainedOrder.size() > 1) {
        forgetRetained(retainedOrder.poll());
      }
    }
  }

  private void forgetRetained(Retained r) {
    retained.remove(r.messageId(), r);
    retainedBytes -= r.data().capacity();
  }

  private void expireRetained() {
    long oldest = System.nanoTime() - 2 * config.reassemblyTimeoutNanos();
    synchronized (retainedOrder) {
      while (!retainedOrder.isEmpty() && retainedOrder.peek().sentNanos() - oldest < 0) {
        forgetRetained(retainedOrder.poll());
      }
    }
  }

  /** Asks the senders of stalled messages for their gaps (housekeeping). */
  private void requestRepairs() {
    reassembler.forEachStalled(config.repairQuietNanos(), 64 * gapsPerResend(), this::sendResend);
  }

  private void sendResend(long source, int messageId, int total, int[] starts, int[] ends, int count) {
    HintCache.Route route = hints.get(source);
    if (route == null) {
      return;
    }
    int perPacket = gapsPerResend();
    for (int first = 0; first < count; first += perPacket) {
      int n = Math.min(perPacket, count - first);
      ByteBuffer gaps = ByteBuffer.allocate(2 + 8 * n);
      gaps.putShort((short) n);
      for (int i = first; i < first + n; i++) {
        gaps.putInt(starts[i]).putInt(ends[i]);
      }
      gaps.flip();
      traffic.increment(Traffic.RESENDS_SENT);
      transmit(route.network(),
          build(PacketType.RESEND, source, boxAddress, messageId, gaps, 0, gaps.remaining(), gaps.remaining()),
          route.station());
    }
  }

  /** A receiver asks for byte ranges of a message we sent: resend the fragments covering them. */
  private void resend(ByteBuffer packet, long originalSource) {
    Retained r = retained.get(FlipHeader.messageId(packet, 0));
    HintCache.Route route = r == null ? null : hints.get(r.destination());
    if (r == null || r.source() != originalSource || route == null) {
      traffic.increment(Traffic.REPAIRS_UNAVAILABLE);
      return;
    }
    int length = FlipHeader.length(packet, 0);
    int at = FlipHeader.LENGTH;
    int count = length >= 2 ? Short.toUnsignedInt(packet.getShort(at)) : 0;
    int total = r.data().capacity();
    int fragment = r.fragmentBytes();
    for (int i = 0; i < count && 2 + 8 * (i + 1) <= length; i++) {
      long start = Integer.toUnsignedLong(packet.getInt(at + 2 + 8 * i));
      long end = Math.min(total, Integer.toUnsignedLong(packet.getInt(at + 6 + 8 * i)));
      for (long off = start / fragment * fragment; off < end; off += fragment) {
        int len = (int) Math.min(fragment, total - off);
        traffic.increment(Traffic.FRAGMENTS_REPAIRED);
        transmit(route.network(),
            build(PacketType.UNIDATA, r.destination(), r.source(), r.messageId(), r.data(),
                (int) off, len, total),
            route.station());
      }
    }
  }

  // ---- locate -------------------------------------------------------------------------------

  /** A destination being located, with the packets waiting for it. */
  private static final class Locating {
    final long startedNanos;
    volatile long lastSentNanos;
    final ArrayDeque<byte[]> pending = new ArrayDeque<>();

    Locating(long now) {
      startedNanos = now;
      lastSentNanos = now;
    }
  }

  /**
   * Blocks until {@code address} is known to be reachable (a hint, or held locally), for at
   * most {@code timeoutNanos}. Returns false when nobody answered.
   */
  boolean locate(long address, long timeoutNanos) {
    if (endpoints.containsKey(address) || hints.get(address) != null) {
      return true;
    }
    startLocate(address);
    return primary.await(
        () -> hints.get(address) != null || endpoints.containsKey(address),
        System.nanoTime() + timeoutNanos);
  }

  /** Forgets where {@code address} lives (after repeated failures): the next send locates. */
  public void forget(long address) {
    hints.forget(address);
  }

  private Locating startLocate(long address) {
    Locating fresh = new Locating(System.nanoTime());
    Locating l = locating.putIfAbsent(address, fresh);
    if (l == null) {
      sendLocate(address);
      return fresh;
    }
    return l;
  }

  private void holdForLocate(long destination, ByteBuffer packet) {
    // Copy first: starting a locate builds the LOCATE in this thread's transmit buffer.
    byte[] copy = new byte[FlipHeader.LENGTH + FlipHeader.length(packet, 0)];
    packet.get(0, copy);
    Locating l = startLocate(destination);
    synchronized (l) {
      if (l.pending.size() >= config.pendingPacketsPerDestination()) {
        drops.increment(DropReason.NO_ROUTE);
        return;
      }
      l.pending.add(copy);
    }
    // HEREIS may have arrived (and flushed l) between the route lookup and now: flush again.
    HintCache.Route route = hints.get(destination);
    if (route != null) {
      locating.remove(destination, l);
      flush(l, route);
    }
  }

  private void sendLocate(long address) {
    traffic.increment(Traffic.LOCATES_SENT);
    ByteBuffer packet =
        build(PacketType.LOCATE, address, boxAddress, 0, ByteBuffer.allocate(0), 0, 0, 0);
    for (Network n : networks) {
      broadcast(n, packet, FlipAddress.NULL);
    }
  }

  /** Sends what waited for a destination that has just been found. Idempotent. */
  private void flush(Locating l, HintCache.Route route) {
    byte[][] packets;
    synchronized (l) {
      packets = l.pending.toArray(new byte[0][]);
      l.pending.clear();
    }
    for (byte[] p : packets) {
      traffic.increment(Traffic.RESENT_AFTER_LOCATE);
      ByteBuffer b = txBuffer.get();
      b.clear();
      b.put(p);
      b.flip();
      FlipHeader.type(b, 0, PacketType.UNIDATA);
      transmit(route.network(), b, route.station());
    }
  }

  // ---- receiving ----------------------------------------------------------------------------

  /** Handles one received packet; called by the leader of a network's pump. Never throws. */
  private void dispatch(ByteBuffer packet, Station from, Network network) {
    traffic.increment(Traffic.PACKETS_RECEIVED);
    int length = packet.remaining();
    // Our own broadcast (or one we forwarded), looped back: dropped before the tag check, the
    // dearest step of the receive path (a forged packet with our epoch is dropped with them).
    if ((length >= FlipHeader.LENGTH && FlipHeader.epoch(packet, 0) == epoch)
        || from.equals(network.self())) {
      return;
    }
    if (!check.admit(packet, 0, length)) {
      return;
    }
    PacketType type = FlipHeader.type(packet, 0);
    long src = FlipHeader.source(packet, 0);
    long dst = FlipHeader.destination(packet, 0);
    switch (type) {
      case LOCATE -> {
        hints.learn(src, network, from);
        HintCache.Route behind = routing ? hints.get(dst) : null;
        if (endpoints.containsKey(dst) || (behind != null && behind.network() != network)) {
          // Held here, or (as a router) known behind another network: answer for it.
          traffic.increment(Traffic.HEREIS_SENT);
          ByteBuffer reply =
              build(PacketType.HEREIS, src, dst, 0, ByteBuffer.allocate(0), 0, 0, 0);
          transmit(network, reply, from);
        } else if (routing) {
          forwardToOthers(packet, network);
        }
      }
      case HEREIS -> {
        // Every answer updates the hint (the latest holder heard from wins). With replicated
        // servers this spreads clients over them; RPC pins the instance it talks to, so a
        // moved hint costs a TRYAGAIN, never a second execution.
        hints.learn(src, network, from);
        if (routing && !endpoints.containsKey(dst) && dst != boxAddress) {
          forwardTowards(dst, packet, network); // the answer to a LOCATE we passed on
        }
        HintCache.Route route = hints.get(src);
        Locating l = locating.remove(src);
        if (route != null && l != null) {
          flush(l, route);
        }
        primary.signal();
      }
      case UNIDATA -> {
        hints.learn(src, network, from);
        Endpoint e = endpoints.get(dst);
        if (e == null) {
          if (!routing || !forwardTowards(dst, packet, network)) {
            returnNotHere(packet, network, from);
          }
        } else {
          receiveData(packet, src, dst, e, null);
        }
      }
      case MULTIDATA -> {
        hints.learn(src, network, from);
        CopyOnWriteArrayList<Endpoint> members = groups.get(dst);
        if (members != null && !members.isEmpty()) {
          receiveData(packet, src, dst, null, members);
        }
        if (routing) {
          forwardToOthers(packet, network);
        }
      }
      case NOTHERE -> {
        traffic.increment(Traffic.NOTHERE_RECEIVED);
        hints.forget(dst, from);
        if (routing && !endpoints.containsKey(src) && forwardTowards(src, packet, network)) {
          return; // a packet we forwarded came back: its sender re-locates, not us
        }
        // The packet came back whole: send it again once dst is found (migration).
        FlipHeader.type(packet, 0, PacketType.UNIDATA);
        holdForLocate(dst, packet);
      }
      case RESEND -> {
        if (routing && !endpoints.containsKey(dst)) {
          forwardTowards(dst, packet, network);
        } else {
          resend(packet, dst);
        }
      }
      case UNTRUSTED -> drops.increment(DropReason.NO_ROUTE);
      default -> drops.increment(DropReason.BAD_TYPE);
    }
  }

  // ---- routing between networks -------------------------------------------------------------
  //
  // A box on two or more networks forwards between them, as FLIP was designed to: LOCATE is
  // passed on (and answered for addresses known behind another network), data for an address
  // behind another network is forwarded instead of returned NOTHERE, group data is repeated on
  // the other networks. Forwarded packets keep their origin's epoch, sequence and tag (the tag
  // leaves out the hop count, which each hop raises); the hop limit ends any loop, and with a
  // pool key the receivers' replay windows drop copies that arrive twice.

  /** Forwards to where {@code address} lives if that is another network; false if it is not. */
  private boolean forwardTowards(long address, ByteBuffer packet, Network arrivedOn) {
    HintCache.Route route = hints.get(address);
    if (route == null || route.network() == arrivedOn) {
      return false;
    }
    if (hop(packet)) {
      send(route.network(), packet, route.station());
    }
    return true;
  }

  /** Repeats a broadcast packet on every network but the one it arrived on. */
  private void forwardToOthers(ByteBuffer packet, Network arrivedOn) {
    if (!hop(packet)) {
      return;
    }
    for (Network n : networks) {
      if (n != arrivedOn) {
        try {
          boolean groupData = FlipHeader.type(packet, 0) == PacketType.MULTIDATA;
          spread(n, packet, groupData ? FlipHeader.destination(packet, 0) : FlipAddress.NULL);
          traffic.increment(Traffic.FORWARDED);
        } catch (IOException e) {
          drops.increment(DropReason.SEND_FAILED);
        }
      }
    }
  }

  /** Counts one more hop; false (and a HOP_LIMIT drop) when the packet may go no further. */
  private boolean hop(ByteBuffer packet) {
    int hops = FlipHeader.hopCount(packet, 0) + 1;
    if (hops > FlipHeader.maxHops(packet, 0)) {
      drops.increment(DropReason.HOP_LIMIT);
      return false;
    }
    FlipHeader.hopCount(packet, 0, hops);
    return true;
  }

  private void send(Network n, ByteBuffer packet, Station to) {
    try {
      n.send(packet, to);
      traffic.increment(Traffic.FORWARDED);
    } catch (IOException e) {
      drops.increment(DropReason.SEND_FAILED);
    }
  }

  private void returnNotHere(ByteBuffer packet, Network network, Station from) {
    drops.increment(DropReason.NOT_HERE);
    traffic.increment(Traffic.NOTHERE_SENT);
    ByteBuffer b = txBuffer.get();
    b.clear();
    b.put(0, packet, 0, FlipHeader.LENGTH + FlipHeader.length(packet, 0));
    b.limit(FlipHeader.LENGTH + FlipHeader.length(packet, 0));
    FlipHeader.type(b, 0, PacketType.NOTHERE);
    transmit(network, b, from);
  }

  /** Delivers data to one endpoint ({@code one}) or to the members of a group ({@code many}). */
  private void receiveData(
      ByteBuffer packet, long src, long dst, Endpoint one, List<Endpoint> many) {
    int length = FlipHeader.length(packet, 0);
    int offset = FlipHeader.offset(packet, 0);
    int total = FlipHeader.total(packet, 0);
    if (offset == 0 && length == total) {
      if (one != null) {
        deliverCopy(one, src, dst, packet, FlipHeader.LENGTH, length);
      } else {
        for (Endpoint e : many) {
          deliverCopy(e, src, dst, packet, FlipHeader.LENGTH, length);
        }
      }
      return;
    }
    int limit = packet.limit();
    packet.position(FlipHeader.LENGTH).limit(FlipHeader.LENGTH + length);
    ByteBuffer whole =
        reassembler.accept(src, FlipHeader.messageId(packet, 0), offset, total, packet);
    packet.limit(limit).position(0);
    if (whole == null) {
      return;
    }
    if (one != null) {
      enqueue(one, Message.wrap(src, dst, whole));
      return;
    }
    // Members share the bytes of one reassembled message: each gets its own view.
    for (Endpoint e : many) {
      enqueue(e, Message.wrap(src, dst, whole.duplicate()));
    }
  }

  private void deliverCopy(Endpoint e, long src, long dst, ByteBuffer data, int at, int length) {
    int position = data.position();
    int limit = data.limit();
    data.limit(at + length).position(at);
    Message m = pool.take(src, dst, data);
    data.limit(limit).position(position);
    enqueue(e, m);
  }

  private void enqueue(Endpoint e, Message m) {
    if (e.offer(m)) {
      traffic.increment(Traffic.MESSAGES_DELIVERED);
    } else {
      drops.increment(DropReason.INBOX_FULL);
      m.release();
    }
  }

  // ---- housekeeping -------------------------------------------------------------------------

  private void housekeep() {
    while (!closed) {
      long next = System.nanoTime() + HOUSEKEEPING_NANOS;
      try {
        reassembler.expire();
        requestRepairs();
        expireRetained();
        retryLocates();
      } catch (RuntimeException e) {
        Logger.error(e, "FLIP housekeeping failed");
      }
      long wait = next - System.nanoTime();
      if (wait > 0 && !primary.leadWhileIdle(wait, IDLE_GRACE_NANOS)) {
        LockSupport.parkNanos(this, wait);
      }
    }
  }

  private void retryLocates() {
    long now = System.nanoTime();
    for (Map.Entry<Long, Locating> entry : locating.entrySet()) {
      Locating l = entry.getValue();
      if (now - l.startedNanos > config.locateTimeoutNanos()) {
        if (locating.remove(entry.getKey(), l)) {
          synchronized (l) {
            for (int i = 0; i < l.pending.size(); i++) {
              drops.increment(DropReason.LOCATE_TIMEOUT);
            }
            l.pending.clear();
          }
        }
      } else if (now - l.lastSentNanos >= config.locateRetryNanos()) {
        l.lastSentNanos = now;
        sendLocate(entry.getKey());
      }
    }
  }

  // ---- statistics ---------------------------------------------------------------------------

  public DropCounters drops() {
    return drops;
  }

  public long count(Traffic t) {
    if (t == Traffic.POOL_MISSES) {
      return pool.allocated();
    }
    return traffic.get(t);
  }

  /** Every traffic counter, for `amoeba` status commands and tests. */
  public Map<Traffic, Long> traffic() {
    EnumMap<Traffic, Long> m = new EnumMap<>(Traffic.class);
    for (Traffic t : Traffic.values()) {
      m.put(t, count(t));
    }
    return m;
  }

  public List<Network> networks() {
    return networks;
  }

  public BoxConfig config() {
    return config;
  }

  /** The longest message that goes out as one packet on every network (no fragments). */
  public int unfragmentedBytes() {
    return fragmentBytes(null);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Endpoint e : endpoints.values()) {
      e.close();
    }
    for (Pump p : pumps) {
      p.close();
    }
    for (Thread t : threads) {
      try {
        t.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Network n : networks) {
      n.close();
    }
  }

  boolean isClosed() {
    return closed;
  }
}
