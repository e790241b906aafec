package amoeba.flip.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-JVM network for fast, deterministic tests: every network attached to one {@link Hub} can
 * reach the others by {@link LoopbackStation} name. A send copies the packet into the
 * destination's bounded inbox at once (no thread in between); a full inbox drops the packet and
 * counts it. Broadcast reaches every attached network, the sender too.
 *
 * <p>The inbox is a ring of reusable byte arrays, so steady-state traffic allocates nothing.
 */
public final class LoopbackNetwork implements Network {

  /** 64 KiB: the default largest packet, bytes. */
  public static final int DEFAULT_MAX_PACKET_BYTES = 64 * 1024;

  /** Default inbox capacity, packets. */
  public static final int DEFAULT_INBOX_PACKETS = 1024;

  /** Smallest slot buffer, bytes: most packets then fit without regrowing. */

  /**
   * The shared medium. Names are unique among the attached networks; a name is free again once
   * its network is closed.
   */
  public static final class Hub {
    private final int inboxPackets;
    private final int maxPacketBytes;
    private final ConcurrentHashMap<String, LoopbackNetwork> byName = new ConcurrentHashMap<>();
    private final Object membersLock = new Object();
    // Copy-on-write so broadcast iterates without locking or allocating.
    private volatile LoopbackNetwork[] members = new LoopbackNetwork[0];
    private final AtomicLong undeliverable = new AtomicLong();

    /** A hub with {@link #DEFAULT_INBOX_PACKETS} and {@link #DEFAULT_MAX_PACKET_BYTES}. */
    public Hub() {
      this(DEFAULT_INBOX_PACKETS, DEFAULT_MAX_PACKET_BYTES);
    }

    /**
     * @param inboxPackets capacity of each attached network's inbox, packets
     * @param maxPacketBytes the largest packet carried, bytes
     */
    public Hub(int inboxPackets, int maxPacketBytes) {
      if (inboxPackets < 1 || maxPacketBytes < 1) {
        throw new IllegalArgumentException("inboxPackets and maxPacketBytes must be positive");
      }
      this.inboxPackets = inboxPackets;
      this.maxPacketBytes = maxPacketBytes;
    }

    /**
     * Attaches a new network named {@code name}.
     *
     * @throws IllegalArgumentException if an open network already has that name
     */
    public LoopbackNetwork attach(String name) {
      LoopbackNetwork n = new LoopbackNetwork(this, new LoopbackStation(name));
      synchronized (membersLock) {
        if (byName.putIfAbsent(name, n) != null) {
          throw new IllegalArgumentException("name already attached to this hub: " + name);
        }
        LoopbackNetwork[] grown = Arrays.copyOf(members, members.length + 1);
        grown[grown.length - 1] = n;
        members = grown;
      }
      return n;
    }

    private void detach(LoopbackNetwork n) {
      synchronized (membersLock) {
        if (byName.remove(n.self.name(), n)) {
          members = Arrays.stream(members).filter(m -> m != n).toArray(LoopbackNetwork[]::new);
        }
      }
    }

    /** Packets sent to a name no open network has (never attached, or closed). */
    public long undeliverable() {
      return undeliverable.get();
    }

    /** Networks attached now. */
    public int size() {
      return members.length;
    }
  }

  private final Hub hub;
  private final LoopbackStation self;
  private final String name;
  private final AtomicLong oversizeDrops = new AtomicLong();
  private final AtomicLong foreignStationDrops = new AtomicLong();

  private final PacketQueue<LoopbackStation> inbox;
  private volatile boolean closed;

  private LoopbackNetwork(Hub hub, LoopbackStation self) {
    this.hub = hub;
    this.self = self;
    this.name = "loop:" + self.name();
    this.inbox = new PacketQueue<>(hub.inboxPackets);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public LoopbackStation self() {
    return self;
  }

  @Override
  public int maxPacketBytes() {
    return hub.maxPacketBytes;
  }

  /** The hub this network is attached to. */
  public Hub hub() {
    return hub;
  }

  /** Packets dropped because this network's inbox was full. */
  public long inboxDrops() {
    return inbox.drops();
  }

  /** Packets this network did not send because they exceed {@link #maxPacketBytes()}. */
  public long oversizeDrops() {
    return oversizeDrops.get();
  }

  /** Packets this network did not send because the station was not a {@link LoopbackStation}. */
  public long foreignStationDrops() {
    return foreignStationDrops.get();
  }

  /** Packets waiting in the inbox now. */
  public int queued() {
    return inbox.size();
  }

  @Override
  public void send(ByteBuffer packet, Station to) throws IOException {
    ensureOpen();
    if (!(to instanceof LoopbackStation)) {
      foreignStationDrops.incrementAndGet();
      return;
    }
    if (packet.remaining() > hub.maxPacketBytes) {
      oversizeDrops.incrementAndGet();
      return;
    }
    LoopbackNetwork destination = hub.byName.get(((LoopbackStation) to).name());
    if (destination == null || !destination.deliver(packet, self)) {
      hub.undeliverable.incrementAndGet();
    }
  }

  @Override
  public void broadcast(ByteBuffer packet) throws IOException {
    ensureOpen();
    if (packet.remaining() > hub.maxPacketBytes) {
      oversizeDrops.incrementAndGet();
      return;
    }
    for (LoopbackNetwork member : hub.members) {
      member.deliver(packet, self); // a member closing meanwhile just misses it, like a crash
    }
  }

  /** Copies packet (position to limit, unchanged) into the inbox; false if this one is closed. */
  private boolean deliver(ByteBuffer packet, LoopbackStation from) {
    return inbox.offerCopy(packet, from);
  }

  /**
   * Takes the oldest inbox packet, waiting up to {@code timeoutNanos}: see {@link
   * PacketQueue#take}.
   *
   * @throws ClosedChannelException if this network is closed
   */
  @Override
  public Station receive(ByteBuffer into, long timeoutNanos) throws IOException {
    return inbox.take(into, timeoutNanos);
  }

  @Override
  public void wakeup() {
    inbox.wakeup();
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  /** Detaches from the hub and frees the inbox; idempotent. Later sends here are undeliverable. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    inbox.close(); // a blocked receive wakes and throws ClosedChannelException
    hub.detach(this);
  }

  @Override
  public String toString() {
    return name;
  }
}
