package amoeba.ipc.group;

import amoeba.flip.Endpoint;
import amoeba.flip.FlipBox;
import amoeba.flip.Message;
import amoeba.flip.stats.EnumCounters;
import amoeba.flip.wire.FlipAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * One member of a closed group: Kaashoek's sequencer protocol with resilience, NAK-based
 * retransmission, a send window, flow control, failure detection and majority resets. The
 * protocol is described in docs/architecture.md ("Group communication").
 *
 * <p>Threads: all protocol state is guarded by one lock. One thread at a time has the reader
 * role: it waits for packets outside the lock, then handles what arrived under it. An
 * application thread waiting in {@link #receive} takes the role itself, so a message reaches it
 * with no thread hand-off (on this VM a wake-up costs about a raw round trip). A driver thread
 * per member runs the timers (every {@link GroupConfig#heartbeatNanos()} of the injected clock)
 * and reads whenever no application thread has for {@link #HANDOVER_NANOS}.
 */
public final class GroupMember implements AutoCloseable {
  /** Where a member is in its life. */
  public enum State { JOINING, MEMBER, RESETTING, LEFT, FAILED, CLOSED }

  private static final int EV_JOIN = 1;
  private static final int EV_LEAVE = 2;
  private static final int EV_EXPEL = 3;
  private static final int EVENT_BYTES = 13; // kind u8, id i32, address i64
  private static final int MAX_RESEND_PER_TICK = 64;
  private static final int MAX_SPAN = 256; // seqs per NAK / FETCH answer
  private static final int MAX_BATCH = 512; // packets handled per lock hold
  /**
   * How long the driver leaves reading to the application after it last returned from
   * receive (real time): it usually comes back at once, and then the driver stays asleep.
   */
  static final long HANDOVER_NANOS = 2_000_000L;

  /** One slot of the history ring; valid for {@code seq} while seq != -1. */
  private static final class Entry {
    long seq = -1;
    int origin;
    long msgId;
    int flags;
    byte[] data;
  }

  private static final class Outgoing {
    final long msgId;
    final byte[] data;
    long lastSentNs;
    boolean held; // not transmitted yet: waits for our DATA in flight to be ordered

    Outgoing(long msgId, byte[] data) {
      this.msgId = msgId;
      this.data = data;
    }
  }

  private record Vote(int id, long received, long accepted, int logInc, int installedInc, long addr) {}

  private record Pending(byte[] data, boolean bb) {}

  private final FlipBox box;
  // The sequencer's ORDERED packets of the batch being handled, multicast as one bundle at
  // its end (fewer packets, fewer wake-ups under load; a lone one goes out as it is).
  private final PacketBundle bundle;
  private boolean bundling; // inside readOnce's batch: order() appends instead of sending
  // DATA as Nagle sends TCP segments: while a DATA of ours is not ordered yet, later messages
  // are held and go together, in one DATA_BUNDLE, once it is. Alone a message goes at once;
  // under load the sequencer gets one packet per batch of messages, not one per message.
  private final PacketBundle dataBundle;
  private long heldFrom; // lowest msgId held (0: none)
  private long transmittedUpTo; // highest own msgId sent as DATA
  private long orderedOwnUpTo; // highest own msgId seen ordered (or delivered)
  private long acksSent; // ACK packets (not counting the ACKs riding on our DATA)
  private final Endpoint ep;
  private final long group;
  private final long port;
  private final GroupConfig cfg;
  private final LongSupplier clock;
  private final GroupDrops drops = new GroupDrops();
  private final EnumCounters<GroupResetEvent> resets = new EnumCounters<>(GroupResetEvent.class);
  // Not fair (a fair lock hands over on every contended release: a wake-up each time). A
  // sender cannot starve the reader for long: its window fills, and it waits (GroupReaderRoleTest).
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  // Signalled by close(), and by a delivery while the driver dozes (waits past a hand-over).
  private final Condition driverIdle = lock.newCondition();
  private boolean driverDozing;
  private ByteBuffer tx; // grows to the largest message sent
  private final Entry[] ring;
  private Thread driver;
  private volatile boolean closed;
  private boolean reading; // a thread has the reader role (it waits outside the lock)
  private int receivers; // application threads inside receive()
  private long receiverLeftNs; // System.nanoTime() when one last returned from receive()
  private long lastDeliveryNs; // System.nanoTime() when receive() last returned a message

  // ---- membership (guarded by lock) ----
  private State state;
  private int myId = -1;
  private final TreeMap<Integer, Long> members = new TreeMap<>(); // as of acceptedScan
  private int maxIdEver;
  private int installedInc;
  private int logInc; // the incarnation whose log ours is a prefix of
  private long logIncAt = -1; // logInc becomes installedInc once received reaches this
  private int promisedInc;
  private int promisedCoord;
  private int sequencerId = -1;
  private long sequencerAddr;
  private long lastHeardSequencerNs; // only packets from the sequencer itself set it
  // A rejected suspicion: others heard the sequencer, so ours waits until this (our clock). It
  // is not a hearing of our own: vouching for a sequencer on a peer's word would let two
  // survivors that each heard it at different times refute each other's resets for ever.
  private long suspicionDeferredNs;
  private boolean leaving;
  private boolean votedForOther; // since our last install: we may never go back to it
  private long admittedAt; // last seq of the view that (re)admitted us: older EXPELs are history

  // ---- history ----
  private long received; // every seq <= received is held (contiguous)
  private long acceptedKnown; // highest accepted seq heard of
  private long acceptedScan; // seqs <= this are accepted and processed (events, confirmations)
  private long consumed; // seqs <= this were handed to the application
  private long stableKnown; // every member holds seqs <= this
  private long lastSeqKnown;
  private long lastNakNs = Long.MIN_VALUE / 2;
  private long lastViewReqNs = Long.MIN_VALUE / 2;
  private boolean needAck; // something arrived: ACK if the held prefix advanced
  private boolean ackNow; // heartbeat: ACK even if it did not (recovers lost ACKs)
  private long ackedUpTo = -1;
  // Since our last ACK an ORDERED arrived for a message of ours / of the sequencer's: who gives
  // the sequencer its second holder at once when members accept on receipt (see ackPromptly).
  private boolean ownOrderedSinceAck;
  private boolean sequencerOrderedSinceAck;
  // The newest membership event held (the sequencer's: ordered): members ACK it at once, lazy
  // or not, and the sequencer announces its accept by SYNC at once.
  private long eventHeld;
  private final HashMap<Integer, Long> deliveredMsgId = new HashMap<>();
  private long acceptedData; // highest accepted seq of an application message (not an event)
  // Sequencer: highest seq it ordered for an application message. Members may deliver a seq
  // before our accept announcement ("Delivery without an ACK round"), so lease reads wait for this.
  private long orderedData;
  private long heardStamp; // the current sequencer's latest SYNC stamp heard: echoed in ACKs

  // ---- sending ----
  private long nextMsgId = 1;
  private final TreeMap<Long, Outgoing> unconfirmed = new TreeMap<>();
  private final HashMap<Long, byte[]> bbPending = new HashMap<>();
  private long resumeFrom; // JOIN_REQ: first seq wanted, 0 = fresh
  private int joinOldId = -1; // rejoining: the member id we keep

  // ---- sequencer ----
  private long nextSeq;
  private final TreeMap<Integer, Long> live = new TreeMap<>(); // membership as ordered
  private final HashMap<Integer, Long> orderedMsgId = new HashMap<>();
  private final HashMap<Integer, Long> acks = new HashMap<>();
  private final HashMap<Integer, Long> lastHeard = new HashMap<>();
  private final HashMap<Integer, Long> joinBase = new HashMap<>();
  private final HashMap<Integer, TreeMap<Long, Pending>> fifo = new HashMap<>();
  private long historyFullSinceNs = -1;
  // The lease (docs/architecture.md, "The lease"): SYNC stamps are clock - leaseBaseNs + 1
  // (>= 1 on the wire); echoes holds each member's latest echo of them.
  private long leaseBaseNs;
  private final HashMap<Integer, Long> echoes = new HashMap<>();
  private long expulsions; // members this member expelled while sequencer

  // ---- reset coordinator ----
  private boolean coordinating;
  private boolean forceReset;
  private int ballotInc;
  private final HashMap<Integer, Vote> votes = new HashMap<>();
  private long resetStartNs;
  private long resetActivityNs;
  private long majorityAtNs = -1;
  private Vote fetchFrom;
  private long fetchTarget;
  private long acceptedFromVotes;
  private long nextTickNs;

  private GroupMember(FlipBox box, long port, GroupConfig cfg, LongSupplier clock) {
    this.box = box;
    this.port = port;
    this.cfg = cfg;
    this.clock = clock;
    this.group = FlipAddress.groupOfPort(port);
    this.ep = box.openRandom();
    this.tx = ByteBuffer.allocate(64 * 1024);
    this.bundle = new PacketBundle(box.unfragmentedBytes());
    this.dataBundle = new PacketBundle(box.unfragmentedBytes());
    this.receiverLeftNs = System.nanoTime() - HANDOVER_NANOS; // nobody has received yet
    this.lastDeliveryNs = receiverLeftNs - cfg.heartbeatNanos();
    this.suspicionDeferredNs = clock.getAsLong(); // no deferral
    this.ring = new Entry[cfg.historyMessages() + 2 * cfg.maxMembers() + 16]; // events reserve
    for (int i = 0; i < ring.length; i++) {
      ring[i] = new Entry();
    }
    ep.join(group);
  }

  /** Creates a group on {@code port}: this member is its first sequencer (member id 1). */
  public static GroupMember create(FlipBox box, long port, GroupConfig cfg) {
    return create(box, port, cfg, System::nanoTime);
  }

  public static GroupMember create(FlipBox box, long port, GroupConfig cfg, LongSupplier clock) {
    GroupMember m = new GroupMember(box, port, cfg, clock);
    m.lock.lock();
    try {
      long now = clock.getAsLong();
      m.myId = 1;
      m.maxIdEver = 1;
      m.installedInc = 1;
      m.logInc = 1;
      m.promisedInc = 1;
      m.promisedCoord = 1;
      m.sequencerId = 1;
      m.sequencerAddr = m.ep.address();
      m.members.put(1, m.ep.address());
      m.live.put(1, m.ep.address());
      m.deliveredMsgId.put(1, 0L);
      m.orderedMsgId.put(1, 0L);
      m.nextSeq = 1;
      m.state = State.MEMBER;
      m.lastHeardSequencerNs = now;
      m.leaseBaseNs = now;
    } finally {
      m.lock.unlock();
    }
    m.start();
    return m;
  }

  /** Joins the group on {@code port}; throws IllegalStateException if refused or not answered. */
  public static GroupMember join(FlipBox box, long port, GroupConfig cfg, long timeoutNanos) {
    return join(box, port, cfg, timeoutNanos, System::nanoTime);
  }

  public static GroupMember join(
      FlipBox box, long port, GroupConfig cfg, long timeoutNanos, LongSupplier clock) {
    GroupMember m = new GroupMember(box, port, cfg, clock);
    m.lock.lock();
    try {
      m.state = State.JOINING;
      m.resumeFrom = 0;
      m.sendJoinRequest(FlipAddress.NULL);
    } finally {
      m.lock.unlock();
    }
    m.start();
    if (!m.awaitState(timeoutNanos, State.MEMBER)) {
      State s = m.state();
      m.close();
      throw new IllegalStateException("join of group " + Long.toHexString(port) + " failed: " + s);
    }
    return m;
  }

  private void start() {
    lock.lock();
    try {
      nextTickNs = clock.getAsLong() + cfg.heartbeatNanos();
    } finally {
      lock.unlock();
    }
    driver = new Thread(this::drive, "group-" + Long.toHexString(port) + "-" + FlipAddress.toString(ep.address()));
    driver.setDaemon(true);
    driver.start();
  }

  // =========================================================================================
  // application API
  // =========================================================================================

  /** Sends {@code data} to the group, blocking while the send window is full; the message id. */
  public long send(byte[] data) {
    long id = send(data, Long.MAX_VALUE);
    if (id < 0) {
      throw new IllegalStateException("send window did not open");
    }
    return id;
  }

  /**
   * Sends, waiting at most {@code timeoutNanos} for room in the send window (and for the group
   * to be usable: not resetting, not rejoining). Returns this member's message id, or -1 on
   * timeout. Throws if the member has left, failed or closed.
   */
  public long send(byte[] data, long timeoutNanos) {
    byte[] copy = data.clone();
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    try {
      while (state != State.MEMBER || unconfirmed.size() >= cfg.sendWindow() || leaving) {
        checkUsable();
        long left = timeoutNanos == Long.MAX_VALUE ? cfg.heartbeatNanos() : deadline - System.nanoTime();
        if (left <= 0) {
          return -1;
        }
        changed.awaitNanos(Math.min(left, cfg.heartbeatNanos()));
      }
      Outgoing o = new Outgoing(nextMsgId++, copy);
      unconfirmed.put(o.msgId, o);
      if (!isSequencer() && o.data.length < cfg.bbThresholdBytes()
          && (heldFrom != 0 || transmittedUpTo > orderedOwnUpTo)) {
        o.held = true; // flush() sends it once the DATA in flight is ordered
        o.lastSentNs = clock.getAsLong();
        if (heldFrom == 0) {
          heldFrom = o.msgId;
        }
      } else {
        transmit(o);
      }
      flush();
      return o.msgId;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next message in the total order, or null after {@code timeoutNanos}. Throws once the
   * member has left, failed or closed and everything accepted was delivered.
   */
  public GroupMessage receive(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lock();
    receivers++;
    try {
      while (true) {
        while (consumed < acceptedScan) {
          Entry e = entry(++consumed);
          if ((e.flags & GroupHeader.FLAG_EVENT) == 0) {
            lastDeliveryNs = System.nanoTime();
            if (driverDozing) {
              // Messages flow again: the driver must notice within a hand-over when we stop
              // receiving, so that our own ACK (sent before a wait) is not a heartbeat late.
              driverDozing = false;
              driverIdle.signal();
            }
            return new GroupMessage(e.seq, e.origin, e.msgId, e.data);
          }
        }
        checkUsable();
        long waitNs = deadline - System.nanoTime();
        if (waitNs <= 0) {
          return null;
        }
        if (Thread.currentThread().isInterrupted()) {
          return null; // as an interrupted wait would (the pump's parking would spin)
        }
        if (!reading && !closed) {
          readOnce(Math.min(waitNs, readWaitNanos()));
        } else {
          changed.awaitNanos(waitNs);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } finally {
      receivers--;
      receiverLeftNs = System.nanoTime();
      lock.unlock();
    }
  }

  /** Leaves the group: waits (at most the timeout) until the LEAVE is accepted. */
  public boolean leave(long timeoutNanos) {
    lock.lock();
    try {
      if (state != State.MEMBER && state != State.RESETTING) {
        return state == State.LEFT;
      }
      leaving = true;
      requestLeave();
      flush();
    } finally {
      lock.unlock();
    }
    return awaitState(timeoutNanos, State.LEFT);
  }

  /**
   * Forces a reset with this member as coordinator (Amoeba's grp_reset): a new incarnation,
   * histories reconciled, silent members expelled. Waits at most the timeout; true when this
   * member is again in a working group of at least {@code minMembers}.
   */
  public boolean reset(int minMembers, long timeoutNanos) {
    lock.lock();
    try {
      startReset(GroupResetEvent.REQUESTED, true);
    } finally {
      lock.unlock();
    }
    long deadline = System.nanoTime() + timeoutNanos;
    while (awaitState(deadline - System.nanoTime(), State.MEMBER)) {
      GroupInfo i = info();
      if (i.state() == State.MEMBER && i.members().size() >= minMembers) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
      lock.lock();
      try {
        changed.awaitNanos(cfg.heartbeatNanos());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        lock.unlock();
      }
    }
    return false;
  }

  public GroupInfo info() {
    lock.lock();
    try {
      return new GroupInfo(myId, state, new TreeMap<>(members), sequencerId, installedInc,
          Math.max(lastSeqKnown, received), acceptedScan, consumed);
    } finally {
      lock.unlock();
    }
  }

  public State state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The read index of a lease read (docs/architecture.md, "The lease"): if this member is the
   * sequencer (state MEMBER), holds the lease, and its incarnation's reconciled tail is accepted,
   * the highest seq of an application message it ordered (or accepted): every message delivered
   * anywhere, even by a member that delivered before our accept announcement, has a seq at most
   * this, so once this member's application has received through it, its state is no older than
   * any completed update. Else -1.
   */
  public long readIndex() {
    lock.lock();
    try {
      if (!isSequencer() || acceptedKnown < incStartSeq - 1 || !leaseValid(clock.getAsLong())) {
        return -1;
      }
      return Math.max(acceptedData, orderedData);
    } finally {
      lock.unlock();
    }
  }

  /** This member's FLIP address (its endpoint). */
  public long address() {
    return ep.address();
  }

  public long port() {
    return port;
  }

  /** Members expelled by this member while it was the sequencer (silent or too slow). */
  public long expulsions() {
    lock.lock();
    try {
      return expulsions;
    } finally {
      lock.unlock();
    }
  }

  /** ORDERED_BUNDLE packets this member multicast as sequencer. */
  public long bundlesSent() {
    lock.lock();
    try {
      return bundle.bundlesTaken();
    } finally {
      lock.unlock();
    }
  }

  /** DATA_BUNDLE packets this member sent (several held messages in one packet). */
  public long dataBundlesSent() {
    lock.lock();
    try {
      return dataBundle.bundlesTaken();
    } finally {
      lock.unlock();
    }
  }

  /** ACK packets this member sent (its DATA carry ACKs too; those are not counted). */
  public long acksSent() {
    lock.lock();
    try {
      return acksSent;
    } finally {
      lock.unlock();
    }
  }

  public GroupDrops drops() {
    return drops;
  }

  /** What started and ended this member's resets, counted. */
  public EnumCounters<GroupResetEvent> resets() {
    return resets;
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      state = State.CLOSED;
      changed.signalAll();
      driverIdle.signalAll();
    } finally {
      lock.unlock();
    }
    ep.close();
    Thread d = driver;
    if (d != null && d != Thread.currentThread()) {
      try {
        d.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Internal counters for test diagnostics. */
  String debug() {
    lock.lock();
    try {
      return "received=" + received + " scan=" + acceptedScan + " consumed=" + consumed
          + " stable=" + stableKnown + " unconfirmed=" + unconfirmed.size() + " next=" + nextMsgId
          + " logInc=" + logInc + " promised=" + promisedInc + "/"
          + promisedCoord + " coord=" + coordinating + " votes=" + votes.keySet()
          + " live=" + live.keySet() + " acks=" + acks + " ordered=" + orderedMsgId
          + " fifo=" + fifo.values().stream().mapToInt(Map::size).sum()
          + " firstUnconfirmed=" + unconfirmed.keySet().stream().limit(5).toList()
          + " delivered=" + deliveredMsgId + " incStart=" + incStartSeq;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "GroupMember[" + myId + " " + state + " inc " + installedInc + "]";
  }

  private void checkUsable() {
    if (state == State.LEFT || state == State.FAILED || state == State.CLOSED) {
      throw new IllegalStateException("group member is " + state);
    }
  }

  private boolean awaitState(long timeoutNanos, State wanted) {
    long waitNs = timeoutNanos;
    lock.lock();
    try {
      while (state != wanted) {
        if (state == State.FAILED || state == State.CLOSED || waitNs <= 0) {
          return false;
        }
        waitNs = changed.awaitNanos(waitNs);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  // =========================================================================================
  // driver: reception and timers
  // =========================================================================================

  private void drive() {
    lock.lock();
    try {
      while (!closed && !ep.isClosed()) {
        long waitNs = readWaitNanos();
        if (reading || receivers > 0 || System.nanoTime() - receiverLeftNs < HANDOVER_NANOS) {
          if (receivers > 0 && !reading) {
            changed.signalAll(); // a receiver waited while we read: the role is its now
          }
          // A reader runs the timers too: we only have to notice when it stops reading. While
          // messages flow (one was delivered within a heartbeat) look every HANDOVER_NANOS,
          // else at the timers (an idle board must not wake 500 times a second). Our own
          // condition: deliveries signal `changed`, and must not wake us each time.
          boolean flowing = System.nanoTime() - lastDeliveryNs < cfg.heartbeatNanos();
          long nap = flowing ? Math.min(waitNs, HANDOVER_NANOS) : waitNs;
          driverDozing = nap > HANDOVER_NANOS;
          driverIdle.awaitNanos(nap);
          driverDozing = false;
          tickIfDue();
        } else {
          readOnce(waitNs);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  /** How long a reader may wait for packets before the timers are due (at least 0.1 ms). */
  private long readWaitNanos() {
    long untilTick = nextTickNs - clock.getAsLong();
    return Math.min(Math.max(untilTick, 100_000L), cfg.heartbeatNanos());
  }

  /**
   * The reader role, once (lock held on entry and exit): waits at most {@code waitNs} outside
   * the lock for a packet, then handles it and whatever else has arrived, runs the timers if
   * due, and sends what that produced.
   */
  private void readOnce(long waitNs) {
    ackOwnBeforeWaiting();
    reading = true;
    lock.unlock();
    Message m = null;
    try {
      m = ep.receive(waitNs);
    } finally {
      lock.lock();
      reading = false;
    }
    if (closed) {
      if (m != null) {
        m.release();
      }
      return;
    }
    try {
      int n = 0;
      bundling = true;
      try {
        while (m != null) {
          try {
            handle(m);
          } finally {
            m.release();
          }
          m = ++n < MAX_BATCH ? ep.receive(0) : null;
        }
      } finally {
        bundling = false;
        sendBundle();
      }
      tickIfDue();
    } catch (RuntimeException e) {
      org.tinylog.Logger.error(e, "group member {} failed", myId);
    }
  }

  /** A membership or reset event, at INFO: rare, and what a stalled board's log must show. */
  private void log(String what, Object... args) {
    org.tinylog.Logger.info("group " + Long.toHexString(port) + " member " + myId + ": " + what, args);
  }

  private void tickIfDue() {
    try {
      long now = clock.getAsLong();
      if (now - nextTickNs >= 0) {
        nextTickNs = now + cfg.heartbeatNanos();
        tick(now);
      }
      flush();
    } catch (RuntimeException e) {
      org.tinylog.Logger.error(e, "group member {} failed", myId);
    }
  }

  private void handle(Message m) {
    ByteBuffer b = m.payload();
    int length = b.remaining();
    GroupDropReason bad = GroupHeader.validate(b, b.position(), length);
    if (bad != null) {
      drops.increment(bad);
      return;
    }
    int at = b.position();
    long src = m.source();
    if (src == ep.address()) {
      drops.increment(GroupDropReason.OWN_ECHO);
      return;
    }
    GroupMessageType type = GroupHeader.type(b, at);
    switch (type) {
      case DATA -> onData(b, at, length, src, false);
      case BB_DATA -> onData(b, at, length, src, true);
      case ORDERED -> onOrdered(b, at, length, src);
      case ORDERED_BUNDLE -> onBundle(b, at, length, src);
      case DATA_BUNDLE -> onDataBundle(b, at, length, src);
      case SYNC -> onSync(b, at, src);
      case ACK -> onAck(b, at, src);
      case NAK -> onNak(b, at, src);
      case JOIN_REQ -> onJoinReq(b, at, src);
      case VIEW -> onView(b, at, length, src);
      case LEAVE_REQ -> onLeaveReq(b, at, src);
      case RESET_REQ -> onResetReq(b, at, src);
      case VOTE -> onVote(b, at, src);
      case REJECT -> onReject(b, at, src);
      case FETCH -> onFetch(b, at, src);
      case EXPELLED -> onExpelled(b, at, src);
      case VIEW_REQ -> onViewReq(src);
      case JOIN_REFUSED -> onJoinRefused();
      default -> drops.increment(GroupDropReason.BAD_TYPE);
    }
  }

  private static byte[] body(ByteBuffer b, int at, int length) {
    byte[] data = new byte[length - GroupHeader.LENGTH];
    b.get(at + GroupHeader.LENGTH, data);
    return data;
  }

  private boolean isSequencer() {
    return state == State.MEMBER && sequencerId == myId;
  }

  // ---- timers ------------------------------------------------------------------------------

  private void tick(long now) {
    switch (state) {
      case JOINING -> sendJoinRequest(FlipAddress.NULL);
      case MEMBER -> {
        if (isSequencer()) {
          sequencerTick(now);
        } else {
          ackNow = true; // the ACK is our heartbeat
          maybeNak(now, true);
          if (now - lastHeardSequencerNs > cfg.failNanos() + rank() * 2 * cfg.heartbeatNanos()
              && now - suspicionDeferredNs > 0) {
            startReset(GroupResetEvent.SEQUENCER_SILENT, false);
          }
        }
        retransmit(now);
        if (leaving) {
          requestLeave();
        }
      }
      case RESETTING -> {
        if (coordinating) {
          if (fetchFrom != null) {
            sendFetch();
          } else {
            multicastHeader(GroupMessageType.RESET_REQ, forceReset ? GroupHeader.FLAG_FORCE : 0,
                ballotInc, myId, 0, 0, 0, 0, 0);
          }
          checkVotes(now);
          if (coordinating && now - resetStartNs > 2 * cfg.failNanos()) {
            // stuck (lost majority, dueling): a higher ballot
            startReset(GroupResetEvent.COORDINATION_STUCK, forceReset);
          }
        } else if (now - resetActivityNs > cfg.failNanos() + rank() * 2 * cfg.heartbeatNanos()) {
          startReset(GroupResetEvent.RESET_STALLED, false);
        }
      }
      default -> {
        // LEFT, FAILED, CLOSED: nothing runs
      }
    }
  }

  /** Our position among the members (sequencer excluded): staggers suspicions, fewer duels. */
  private int rank() {
    int r = 0;
    for (int id : members.keySet()) {
      if (id == myId) {
        return r;
      }
      if (id != sequencerId) {
        r++;
      }
    }
    return r;
  }

  private void sequencerTick(long now) {
    multicastSync(now);
    List<Integer> expel = new ArrayList<>();
    for (int id : live.keySet()) {
      if (id != myId && now - lastHeard.getOrDefault(id, now) > cfg.failNanos()) {
        expel.add(id); // silent: crashed or partitioned away
      }
    }
    if (nextSeq - 1 - floor() >= cfg.historyMessages()) {
      if (historyFullSinceNs < 0) {
        historyFullSinceNs = now;
      } else if (now - historyFullSinceNs > cfg.failNanos()) {
        // Flow control: the members holding the history back for this long are expelled.
        long stable = computeStable();
        for (int id : live.keySet()) {
          if (id != myId && acks.getOrDefault(id, 0L) <= stable && !expel.contains(id)) {
            expel.add(id);
          }
        }
        historyFullSinceNs = now;
      }
    } else {
      historyFullSinceNs = -1;
    }
    for (int id : expel) {
      expel(id);
    }
  }

  /** SYNC: heartbeat, accept frontier, and our clock stamp (msgId) for the lease. */
  private void multicastSync(long now) {
    multicastHeader(GroupMessageType.SYNC, 0, installedInc, myId, 0, nextSeq - 1,
        now - leaseBaseNs + 1, acceptedKnown, stableKnown);
  }

  /**
   * The lease: a member that echoed our stamp of time t votes for no reset before failNanos
   * of its own clock after t, so no other sequencer accepts anything before then. Held while a
   * majority of the accepted membership and of the ordered one (any coordinator's view lies
   * between them, as for the accept count) echoed a stamp younger than failNanos - failNanos/4
   * (we count as now): the margin allows for clocks running up to 4/3 as fast as ours.
   */
  private boolean leaseValid(long now) {
    long span = cfg.failNanos() - cfg.failNanos() / 4;
    return leaseAge(members, now) < span && leaseAge(live, now) < span;
  }

  /** The age of the newest of our stamps that a majority of {@code view} has echoed. */
  private long leaseAge(Map<Integer, Long> view, long now) {
    int n = view.size();
    if (n == 0) {
      return Long.MAX_VALUE;
    }
    long[] age = new long[n];
    int i = 0;
    for (int id : view.keySet()) {
      Long echo = echoes.get(id);
      age[i++] = id == myId ? 0 : echo == null ? Long.MAX_VALUE : now - (leaseBaseNs + echo - 1);
    }
    Arrays.sort(age);
    return age[n / 2];
  }

  private void expel(int id) {
    Long addr = live.get(id);
    if (addr == null || id == myId) {
      return;
    }
    expulsions++;
    log("expelling member {}", id);
    orderEvent(EV_EXPEL, id, addr);
    sendHeader(addr, GroupMessageType.EXPELLED, 0, installedInc, myId, id, 0, 0, 0, 0);
  }

  private void retransmit(long now) {
    int n = 0;
    for (Outgoing o : unconfirmed.values()) {
      if (n >= MAX_RESEND_PER_TICK) {
        break;
      }
      if (!o.held && now - o.lastSentNs >= cfg.retransmitNanos()) {
        transmit(o);
        n++;
      }
    }
  }

  private void transmit(Outgoing o) {
    o.lastSentNs = clock.getAsLong();
    if (isSequencer()) {
      submit(myId, o.msgId, o.data, false);
    } else if (o.data.length >= cfg.bbThresholdBytes()) {
      bbPending.put(bbKey(myId, o.msgId), o.data);
      multicastData(GroupMessageType.BB_DATA, o);
    } else {
      ep.send(sequencerAddr, data(GroupMessageType.DATA, o));
      transmittedUpTo = Math.max(transmittedUpTo, o.msgId);
      acked();
    }
  }

  /**
   * Sends the held messages: several as DATA_BUNDLE packets (each at most one unfragmented FLIP
   * packet; a lone one as DATA), or one by one where bundling does not apply (we became the
   * sequencer, or a message is too long to share a packet).
   */
  private void sendHeld() {
    long from = heldFrom;
    heldFrom = 0;
    for (Outgoing o : unconfirmed.tailMap(from, true).values()) {
      if (!o.held) {
        continue;
      }
      o.held = false;
      int len = GroupHeader.LENGTH + o.data.length;
      if (isSequencer() || !dataBundle.fits(len)) {
        transmit(o);
        continue;
      }
      if (!dataBundle.hasRoomFor(len)) {
        sendDataBundle();
      }
      dataBundle.add(data(GroupMessageType.DATA, o), len, 0);
      o.lastSentNs = clock.getAsLong();
      transmittedUpTo = Math.max(transmittedUpTo, o.msgId);
    }
    sendDataBundle();
  }

  private void sendDataBundle() {
    ByteBuffer b = dataBundle.take(GroupMessageType.DATA_BUNDLE, installedInc, myId, 0, 0);
    if (b != null) {
      ep.send(sequencerAddr, b);
      acked(); // its last DATA carries our ACK
    }
  }

  private void multicastData(GroupMessageType type, Outgoing o) {
    ep.multicast(group, data(type, o));
    acked();
  }

  /** A DATA or BB_DATA packet of {@code o}; it carries our ACK (held prefix, stamp heard). */
  private ByteBuffer data(GroupMessageType type, Outgoing o) {
    ensureTx(o.data.length);
    ByteBuffer b = header(type, 0, installedInc, myId, 0, received, o.msgId, heardStamp, 0);
    b.put(GroupHeader.LENGTH, o.data);
    b.limit(GroupHeader.LENGTH + o.data.length);
    return b;
  }

  private static long bbKey(int origin, long msgId) {
    return (long) origin << 40 ^ msgId;
  }

  /** After a batch: acknowledge, announce a new accept frontier, order what now fits. */
  private void flush() {
    if (state != State.MEMBER) {
      return;
    }
    if (heldFrom != 0 && (isSequencer() || transmittedUpTo <= orderedOwnUpTo)) {
      sendHeld();
    }
    if (isSequencer()) {
      drainAll();
      long acc = computeAccepted();
      stableKnown = Math.max(stableKnown, computeStable());
      if (acc > acceptedKnown) {
        long before = acceptedKnown;
        acceptedKnown = acc;
        advanceAccepted();
        // Members that accept on receipt need our word only for events (they change the
        // count); the heartbeat's SYNC carries the rest. Saves a multicast per batch.
        if (!membersSelfAccept() || eventHeld > before) {
          multicastSync(clock.getAsLong());
        }
      }
    } else if (ackNow || (needAck && received > ackedUpTo
        && (ackPromptly() || eventHeld > ackedUpTo
            || received - ackedUpTo >= cfg.historyMessages() / 4))) {
      sendAck();
    }
  }

  private void sendAck() {
    sendHeader(sequencerAddr, GroupMessageType.ACK, 0, installedInc, myId, 0, received,
        heardStamp, 0, 0);
    acksSent++;
    acked();
  }

  /** Our held prefix went to the sequencer (in an ACK, or riding on a DATA). */
  private void acked() {
    needAck = false;
    ackNow = false;
    ownOrderedSinceAck = false;
    sequencerOrderedSinceAck = false;
    ackedUpTo = received;
  }

  /**
   * Before this member waits for packets: the ACK for our own ordered messages that
   * {@link #ackPromptly} left to us. Sent here, after the application got the message, so it
   * is not on the path from the ORDERED to the delivery; our next DATA carries it if sooner.
   */
  private void ackOwnBeforeWaiting() {
    if (ownOrderedSinceAck && state == State.MEMBER && !isSequencer() && received > ackedUpTo) {
      sendAck();
    }
  }

  // ---- history ----------------------------------------------------------------------------

  private Entry entry(long seq) {
    return ring[(int) Math.floorMod(seq, (long) ring.length)];
  }

  private Entry held(long seq) {
    Entry e = entry(seq);
    return e.seq == seq ? e : null;
  }

  /** Seqs at or below this may be overwritten: consumed here and held by every member. */
  private long floor() {
    return Math.min(consumed, stableKnown);
  }

  private boolean store(long seq, int origin, long msgId, int flags, byte[] data) {
    if (seq <= received || held(seq) != null) {
      drops.increment(GroupDropReason.DUPLICATE);
      return false;
    }
    if (seq > floor() + ring.length) {
      drops.increment(GroupDropReason.NO_ROOM);
      return false;
    }
    Entry e = entry(seq);
    e.seq = seq;
    e.origin = origin;
    e.msgId = msgId;
    e.flags = flags & ~GroupHeader.FLAG_RETRANSMIT;
    e.data = data;
    if ((flags & GroupHeader.FLAG_EVENT) != 0 && data.length >= EVENT_BYTES) {
      maxIdEver = Math.max(maxIdEver, ByteBuffer.wrap(data).getInt(1));
      eventHeld = Math.max(eventHeld, seq);
    }
    return true;
  }

  private void advanceReceived() {
    while (held(received + 1) != null) {
      received++;
    }
    if (logIncAt >= 0 && received >= logIncAt) {
      logInc = installedInc;
      logIncAt = -1;
    }
    lastSeqKnown = Math.max(lastSeqKnown, received);
  }

  /**
   * Drops every held seq above {@code keep}: the contiguous tail and anything held out of order
   * (not accepted, maybe from a superseded incarnation). Scans the whole ring: resets are rare.
   */
  private void truncate(long keep) {
    for (Entry e : ring) {
      if (e.seq > keep) {
        e.seq = -1;
        e.data = null;
      }
    }
    received = Math.min(received, keep);
  }

  private void advanceAccepted() {
    long upTo = Math.min(Math.max(acceptedKnown, heldByQuorum()), received);
    boolean any = false;
    while (acceptedScan < upTo) {
      Entry e = held(acceptedScan + 1);
      if (e == null || state == State.JOINING) {
        break; // truncated under us (an event made us rejoin)
      }
      if ((e.flags & GroupHeader.FLAG_EVENT) != 0 && e.seq > acceptedKnown) {
        break; // a membership change counts holders anew: wait for the sequencer's word
      }
      acceptedScan++;
      any = true;
      if ((e.flags & GroupHeader.FLAG_EVENT) != 0) {
        applyEvent(e.data, members, e.seq);
        continue;
      }
      deliveredMsgId.merge(e.origin, e.msgId, Math::max);
      acceptedData = e.seq;
      if (e.origin == myId && unconfirmed.remove(e.msgId) != null) {
        orderedOwnUpTo = Math.max(orderedOwnUpTo, e.msgId);
        any = true;
      }
    }
    if (any) {
      changed.signalAll();
    }
  }

  /**
   * What this member may accept without waiting for the sequencer's announcement: when the
   * quorum (max(r + 1, majority) of the membership) is at most 2, the sequencer, which holds
   * every seq it ordered, and this member holding the contiguous prefix are a quorum already.
   * Safe by the same intersection argument as the sequencer's count (docs: "Delivery without an
   * ACK round"); events stop it (advanceAccepted), since they change the count.
   */
  private long heldByQuorum() {
    if (state != State.MEMBER || isSequencer()
        || !members.containsKey(myId) || !members.containsKey(sequencerId)) {
      return acceptedKnown;
    }
    return membersSelfAccept() ? received : acceptedKnown;
  }

  /** Holders a seq needs before delivery: max(r + 1, a majority) of {@code n} members. */
  private int quorum(int n) {
    return Math.min(n, Math.max(cfg.resilience() + 1, n / 2 + 1));
  }

  /** Whether the sequencer and any one member are a quorum, so members accept on receipt. */
  private boolean membersSelfAccept() {
    int n = members.size();
    return n >= 2 && quorum(n) <= 2;
  }

  /**
   * Whether this member ACKs the advance at once. When members accept on receipt, the
   * sequencer needs one other holder for its own delivery of each message: for a member's
   * message the member that sent it gives it, just before it next waits for packets or on its
   * next DATA ({@link #ackOwnBeforeWaiting}); for the sequencer's own messages the
   * lowest-numbered member, at once. Everyone ACKs every quarter history, events at once, and
   * on the heartbeat or a SYNC that shows the sequencer waiting (so a dead or slow ACKer delays
   * the sequencer's own deliveries by at most a heartbeat each until it is expelled). Fewer
   * packets per message is what latency costs here (a packet costs its receiver a wake-up).
   */
  private boolean ackPromptly() {
    if (!membersSelfAccept()) {
      return true;
    }
    if (!sequencerOrderedSinceAck) {
      return false;
    }
    for (int id : members.keySet()) {
      if (id != sequencerId) {
        return id == myId;
      }
    }
    return true;
  }

  /** Applies a membership event; {@code seq} > 0 when accepted here (then we react to it). */
  private void applyEvent(byte[] event, Map<Integer, Long> view, long seq) {
    boolean accepted = seq > 0;
    ByteBuffer ev = ByteBuffer.wrap(event);
    int kind = ev.get(0);
    int id = ev.getInt(1);
    long addr = ev.getLong(5);
    if (kind == EV_JOIN) {
      view.put(id, addr);
      maxIdEver = Math.max(maxIdEver, id);
      if (accepted) {
        deliveredMsgId.putIfAbsent(id, 0L);
      }
    } else {
      view.remove(id);
      if (accepted && id == myId && seq > admittedAt) {
        if (kind == EV_LEAVE && leaving) {
          state = State.LEFT;
          changed.signalAll();
        } else if (state == State.MEMBER || state == State.RESETTING) {
          rejoin(); // expelled: try to come back, catching up from what we accepted
        }
      }
    }
  }

  private void maybeNak(long now, boolean timer) {
    if (received >= lastSeqKnown || (!timer && now - lastNakNs < cfg.nakNanos())
        || (timer && now - lastNakNs < cfg.nakNanos())) {
      return;
    }
    long from = received + 1;
    long to = from;
    while (to < lastSeqKnown && to - from < MAX_SPAN && held(to + 1) == null) {
      to++;
    }
    lastNakNs = now;
    sendHeader(sequencerAddr, GroupMessageType.NAK, 0, installedInc, myId, 0, from, to, 0, 0);
  }

  // ---- sequencer ---------------------------------------------------------------------------

  private void onData(ByteBuffer b, int at, int length, long src, boolean bb) {
    int origin = GroupHeader.member(b, at);
    long msgId = GroupHeader.msgId(b, at);
    if (!isSequencer()) {
      if (bb && state == State.MEMBER) {
        if (bbPending.size() >= cfg.historyMessages()) {
          drops.increment(GroupDropReason.NO_ROOM);
        } else {
          bbPending.put(bbKey(origin, msgId), body(b, at, length));
        }
      } else {
        drops.increment(GroupDropReason.WRONG_STATE);
      }
      return;
    }
    Long addr = live.get(origin);
    if (addr == null || addr != src) {
      drops.increment(GroupDropReason.NOT_MEMBER);
      return;
    }
    if (GroupHeader.incarnation(b, at) == installedInc) {
      noteAck(origin, GroupHeader.seq(b, at), GroupHeader.accepted(b, at)); // the ACK it carries
    } else {
      lastHeard.put(origin, clock.getAsLong());
    }
    submit(origin, msgId, body(b, at, length), bb);
  }

  /** Orders a member's message in its FIFO order, buffering early arrivals (bounded). */
  private void submit(int origin, long msgId, byte[] data, boolean bb) {
    Long last = orderedMsgId.get(origin);
    if (last == null) {
      drops.increment(GroupDropReason.NOT_MEMBER);
      return;
    }
    if (msgId <= last) {
      drops.increment(GroupDropReason.DUPLICATE);
      return;
    }
    TreeMap<Long, Pending> q = fifo.computeIfAbsent(origin, k -> new TreeMap<>());
    if (msgId == last + 1 && q.isEmpty() && hasRoom()) {
      order(origin, msgId, data, bb);
      return;
    }
    if (q.size() >= cfg.sendWindow() && !q.containsKey(msgId)) {
      drops.increment(GroupDropReason.NO_ROOM);
      return;
    }
    q.put(msgId, new Pending(data, bb));
    drain(origin, q);
  }

  private void drain(int origin, TreeMap<Long, Pending> q) {
    while (!q.isEmpty() && hasRoom()) {
      long last = orderedMsgId.getOrDefault(origin, Long.MAX_VALUE);
      Map.Entry<Long, Pending> first = q.firstEntry();
      if (first.getKey() <= last) {
        q.pollFirstEntry();
      } else if (first.getKey() == last + 1) {
        q.pollFirstEntry();
        order(origin, first.getKey(), first.getValue().data(), first.getValue().bb());
      } else {
        return;
      }
    }
  }

  private void drainAll() {
    for (Map.Entry<Integer, TreeMap<Long, Pending>> e : fifo.entrySet()) {
      if (!e.getValue().isEmpty()) {
        drain(e.getKey(), e.getValue());
      }
    }
  }

  private boolean hasRoom() {
    return nextSeq - 1 - floor() < cfg.historyMessages();
  }

  private long order(int origin, long msgId, byte[] data, boolean bb) {
    return order(origin, msgId, data, bb ? GroupHeader.FLAG_BB : 0);
  }

  private long order(int origin, long msgId, byte[] data, int flags) {
    long seq = nextSeq++;
    if (!store(seq, origin, msgId, flags & ~GroupHeader.FLAG_BB, data)) {
      throw new IllegalStateException("sequencer history slot " + seq + " taken"); // a bug
    }
    advanceReceived();
    if ((flags & GroupHeader.FLAG_EVENT) == 0) {
      orderedMsgId.put(origin, msgId);
      orderedData = seq;
    }
    ensureTx(data.length);
    ByteBuffer b = header(GroupMessageType.ORDERED, flags, installedInc, myId, origin, seq,
        msgId, acceptedKnown, stableKnown);
    int len = GroupHeader.LENGTH;
    if ((flags & GroupHeader.FLAG_BB) == 0) {
      b.put(GroupHeader.LENGTH, data);
      len += data.length;
    }
    b.limit(len);
    if (bundling && bundle.fits(len)) {
      if (!bundle.hasRoomFor(len)) {
        sendBundle();
      }
      bundle.add(b, len, seq);
    } else {
      sendBundle(); // keeps the seqs in order on the wire
      ep.multicast(group, b);
    }
    return seq;
  }

  /** Multicasts what the bundle holds: one ORDERED as it is, several as ORDERED_BUNDLE. */
  private void sendBundle() {
    ByteBuffer b = bundle.take(GroupMessageType.ORDERED_BUNDLE, installedInc, myId, acceptedKnown,
        stableKnown);
    if (b != null) {
      ep.multicast(group, b);
    }
  }

  /** Each ORDERED of a bundle, as if it had come alone; a malformed rest is dropped, counted. */
  private void onBundle(ByteBuffer b, int at, int length, long src) {
    if (!GroupHeader.forEachBundled(b, at, length, (r, len) -> onOrdered(b, r, len, src))) {
      drops.increment(GroupDropReason.BAD_FIELD);
    }
  }

  private void onDataBundle(ByteBuffer b, int at, int length, long src) {
    if (!GroupHeader.forEachBundled(b, at, length, (r, len) -> onData(b, r, len, src, false))) {
      drops.increment(GroupDropReason.BAD_FIELD);
    }
  }

  private long orderEvent(int kind, int id, long addr) {
    byte[] ev = new byte[EVENT_BYTES];
    ByteBuffer.wrap(ev).put(0, (byte) kind).putInt(1, id).putLong(5, addr);
    applyEvent(ev, live, 0);
    if (kind == EV_JOIN) {
      orderedMsgId.putIfAbsent(id, 0L); // a rejoiner keeps its id and its message numbers
    } else {
      acks.remove(id);
      echoes.remove(id);
      lastHeard.remove(id);
      fifo.remove(id);
    }
    return order(-1, 0, ev, GroupHeader.FLAG_EVENT);
  }

  /**
   * Highest seq held by max(r+1, a majority) of the members: what may be delivered. Counted
   * over the accepted membership, never the one being ordered: an EXPEL or JOIN counts only
   * once a majority of the old membership holds it, so a minority sequencer cannot expel the
   * silent majority and then call itself a majority.
   */
  private long computeAccepted() {
    int n = members.size();
    if (n == 0) {
      return acceptedKnown;
    }
    int need = quorum(n);
    long[] v = new long[n];
    int i = 0;
    for (int id : members.keySet()) {
      v[i++] = id == myId ? received : live.containsKey(id) ? acks.getOrDefault(id, 0L) : 0L;
    }
    Arrays.sort(v);
    return Math.max(acceptedKnown, v[n - need]);
  }

  private long computeStable() {
    long min = received;
    for (int id : live.keySet()) {
      if (id != myId) {
        min = Math.min(min, acks.getOrDefault(id, 0L));
      }
    }
    return min;
  }

  private void onAck(ByteBuffer b, int at, long src) {
    int id = GroupHeader.member(b, at);
    if (!isSequencer() || GroupHeader.incarnation(b, at) != installedInc) {
      drops.increment(GroupDropReason.STALE_INCARNATION);
      return;
    }
    Long addr = live.get(id);
    if (addr == null || addr != src) {
      drops.increment(GroupDropReason.NOT_MEMBER);
      sendHeader(src, GroupMessageType.EXPELLED, 0, installedInc, myId, id, 0, 0, 0, 0);
      return;
    }
    noteAck(id, GroupHeader.seq(b, at), GroupHeader.msgId(b, at));
  }

  /** Member {@code id} holds seqs through {@code held} and heard our stamp {@code echo}. */
  private void noteAck(int id, long held, long echo) {
    acks.merge(id, Math.min(held, nextSeq - 1), Math::max);
    long now = clock.getAsLong();
    lastHeard.put(id, now);
    if (echo > 0) {
      echoes.merge(id, Math.min(echo, now - leaseBaseNs + 1), Math::max); // never from the future
    }
  }

  private void onNak(ByteBuffer b, int at, long src) {
    int id = GroupHeader.member(b, at);
    if (!isSequencer() || GroupHeader.incarnation(b, at) != installedInc) {
      drops.increment(GroupDropReason.STALE_INCARNATION);
      return;
    }
    Long addr = live.get(id);
    if (addr == null || addr != src) {
      drops.increment(GroupDropReason.NOT_MEMBER);
      return;
    }
    lastHeard.put(id, clock.getAsLong());
    long from = GroupHeader.seq(b, at);
    long to = Math.min(Math.min(GroupHeader.msgId(b, at), received), from + MAX_SPAN);
    if (from <= to && held(from) == null) {
      expel(id); // what it misses is no longer in the history: it cannot catch up
      return;
    }
    resend(src, from, to, installedInc);
  }

  private void resend(long to, long from, long last, int inc) {
    for (long s = from; s <= last; s++) {
      Entry e = held(s);
      if (e == null) {
        continue;
      }
      ensureTx(e.data.length);
      ByteBuffer b = header(GroupMessageType.ORDERED, e.flags | GroupHeader.FLAG_RETRANSMIT, inc,
          myId, e.origin, s, e.msgId, acceptedKnown, stableKnown);
      b.put(GroupHeader.LENGTH, e.data);
      b.limit(GroupHeader.LENGTH + e.data.length);
      ep.send(to, b);
    }
  }

  private void onJoinReq(ByteBuffer b, int at, long src) {
    if (!isSequencer()) {
      drops.increment(GroupDropReason.WRONG_STATE);
      return;
    }
    long now = clock.getAsLong();
    long resume = GroupHeader.seq(b, at);
    int oldId = GroupHeader.member(b, at);
    // Overwrites go in seq order, so if `resume` is still held, everything after it is too.
    if (resume > 0 && (resume - 1 > received || oldId < 1
        || (resume <= received && held(resume) == null))) {
      sendHeader(src, GroupMessageType.JOIN_REFUSED, 0, installedInc, myId, 0, 0, 0, 0, 0);
      return; // what it missed is gone from the history: it cannot catch up
    }
    if (resume > 0) { // a rejoin: same id, catching up from resume
      Long addr = live.get(oldId);
      if (addr != null && addr != src) {
        sendHeader(src, GroupMessageType.JOIN_REFUSED, 0, installedInc, myId, 0, 0, 0, 0, 0);
        return;
      }
      if (addr == null) {
        orderEvent(EV_JOIN, oldId, src);
      }
      acks.put(oldId, resume - 1);
      lastHeard.put(oldId, now);
      joinBase.put(oldId, resume - 1);
      sendView(src, oldId, resume - 1);
      return;
    }
    for (Map.Entry<Integer, Long> m : live.entrySet()) {
      if (m.getValue() == src) { // a repeated request: answer again
        sendView(src, m.getKey(), joinBase.getOrDefault(m.getKey(), acceptedScan));
        return;
      }
    }
    if (live.size() >= cfg.maxMembers()) {
      sendHeader(src, GroupMessageType.JOIN_REFUSED, 0, installedInc, myId, 0, 0, 0, 0, 0);
      return;
    }
    int id = maxIdEver + 1;
    long j = orderEvent(EV_JOIN, id, src);
    acks.put(id, j);
    lastHeard.put(id, now);
    joinBase.put(id, j);
    sendView(src, id, j);
  }

  private void onLeaveReq(ByteBuffer b, int at, long src) {
    int id = GroupHeader.member(b, at);
    if (!isSequencer()) {
      drops.increment(GroupDropReason.WRONG_STATE);
      return;
    }
    Long addr = live.get(id);
    if (addr == null || addr != src) {
      drops.increment(GroupDropReason.DUPLICATE);
      return;
    }
    orderEvent(EV_LEAVE, id, src);
  }

  private void requestLeave() {
    if (isSequencer()) {
      if (live.containsKey(myId)) {
        orderEvent(EV_LEAVE, myId, ep.address());
      }
    } else if (state == State.MEMBER) {
      sendHeader(sequencerAddr, GroupMessageType.LEAVE_REQ, 0, installedInc, myId, 0, 0, 0, 0, 0);
    }
  }

  /**
   * The view: to one member (aux = its id, seq = where it starts) or to all (aux = -1). Body:
   * maxIdEver i32, incarnation start seq i64, stable i64, count i32, then per member id i32,
   * address i64, last ordered message id i64.
   */
  private void sendView(long to, int recipient, long base) {
    sendBundle();
    ensureTx(24 + 20 * live.size() + 20 * members.size());
    ByteBuffer b = header(GroupMessageType.VIEW, 0, installedInc, sequencerId, recipient, base,
        Math.max(lastSeqKnown, received), acceptedKnown, stableKnown);
    TreeMap<Integer, Long> view = isSequencer() ? live : members;
    int p = GroupHeader.LENGTH;
    b.putInt(p, maxIdEver).putLong(p + 4, nextSeqOrIncStart()).putLong(p + 12, stableKnown)
        .putInt(p + 20, view.size());
    p += 24;
    for (Map.Entry<Integer, Long> m : view.entrySet()) {
      b.putInt(p, m.getKey()).putLong(p + 4, m.getValue())
          .putLong(p + 12, (isSequencer() ? orderedMsgId : deliveredMsgId).getOrDefault(m.getKey(), 0L));
      p += 20;
    }
    b.limit(p);
    if (to == group) {
      ep.multicast(group, b);
    } else {
      ep.send(to, b);
    }
  }

  private long incStartSeq;

  private long nextSeqOrIncStart() {
    return incStartSeq;
  }

  private void onViewReq(long src) {
    if (state == State.MEMBER) {
      sendView(src, -1, acceptedScan);
    }
  }

  // ---- member side -------------------------------------------------------------------------

  private void onOrdered(ByteBuffer b, int at, int length, long src) {
    int flags = GroupHeader.flags(b, at);
    long seq = GroupHeader.seq(b, at);
    int origin = GroupHeader.aux(b, at);
    long msgId = GroupHeader.msgId(b, at);
    if (coordinating && fetchFrom != null && src == fetchFrom.addr()
        && (flags & GroupHeader.FLAG_RETRANSMIT) != 0) {
      if (seq == received + 1 || seq > received) {
        store(seq, origin, msgId, flags, body(b, at, length));
        advanceReceived();
        checkVotes(clock.getAsLong());
      }
      return;
    }
    int inc = GroupHeader.incarnation(b, at);
    if (inc != installedInc || state != State.MEMBER || GroupHeader.member(b, at) != sequencerId) {
      staleOrNewer(inc, src);
      return;
    }
    if (isSequencer()) {
      drops.increment(GroupDropReason.WRONG_STATE);
      return;
    }
    long now = clock.getAsLong();
    lastHeardSequencerNs = now;
    lastSeqKnown = Math.max(lastSeqKnown, seq);
    acceptedKnown = Math.max(acceptedKnown, GroupHeader.accepted(b, at));
    stableKnown = Math.max(stableKnown, GroupHeader.stable(b, at));
    byte[] data;
    if ((flags & GroupHeader.FLAG_BB) != 0) {
      data = bbPending.remove(bbKey(origin, msgId));
    } else {
      data = body(b, at, length);
      bbPending.remove(bbKey(origin, msgId));
    }
    if (data != null && store(seq, origin, msgId, flags & ~GroupHeader.FLAG_BB, data)) {
      advanceReceived();
      if (origin == myId) {
        ownOrderedSinceAck = true;
        orderedOwnUpTo = Math.max(orderedOwnUpTo, msgId);
      } else if (origin == sequencerId) {
        sequencerOrderedSinceAck = true;
      }
    }
    advanceAccepted();
    needAck = true;
    maybeNak(now, false);
  }

  private void staleOrNewer(int inc, long src) {
    drops.increment(GroupDropReason.STALE_INCARNATION);
    long now = clock.getAsLong();
    if (inc > installedInc && state != State.JOINING && now - lastViewReqNs > cfg.heartbeatNanos()) {
      lastViewReqNs = now;
      sendHeader(src, GroupMessageType.VIEW_REQ, 0, installedInc, myId, 0, 0, 0, 0, 0);
    }
  }

  private void onSync(ByteBuffer b, int at, long src) {
    int inc = GroupHeader.incarnation(b, at);
    if (state == State.JOINING) {
      sendJoinRequest(src); // a sequencer: ask it directly
      return;
    }
    if (inc != installedInc || state != State.MEMBER || GroupHeader.member(b, at) != sequencerId
        || isSequencer()) {
      staleOrNewer(inc, src);
      return;
    }
    long now = clock.getAsLong();
    lastHeardSequencerNs = now;
    heardStamp = Math.max(heardStamp, GroupHeader.msgId(b, at)); // echoed in our ACKs
    lastSeqKnown = Math.max(lastSeqKnown, GroupHeader.seq(b, at));
    long acc = GroupHeader.accepted(b, at);
    acceptedKnown = Math.max(acceptedKnown, acc);
    stableKnown = Math.max(stableKnown, GroupHeader.stable(b, at));
    advanceAccepted();
    if (acc < received) {
      ackNow = true; // it is waiting for holders (its prompt ACKer may be gone): ACK, lazy or not
    }
    maybeNak(now, false);
  }

  private void onView(ByteBuffer b, int at, int length, long src) {
    int inc = GroupHeader.incarnation(b, at);
    int recipient = GroupHeader.aux(b, at);
    int p = at + GroupHeader.LENGTH;
    if (length < GroupHeader.LENGTH + 24) {
      drops.increment(GroupDropReason.BAD_FIELD);
      return;
    }
    int viewMax = b.getInt(p);
    long incStart = b.getLong(p + 4);
    long stable = b.getLong(p + 12);
    int count = b.getInt(p + 20);
    if (count < 0 || count > cfg.maxMembers() * 4 || length < GroupHeader.LENGTH + 24 + 20 * count) {
      drops.increment(GroupDropReason.BAD_FIELD);
      return;
    }
    TreeMap<Integer, Long> view = new TreeMap<>();
    HashMap<Integer, Long> msgIds = new HashMap<>();
    for (int i = 0, q = p + 24; i < count; i++, q += 20) {
      view.put(b.getInt(q), b.getLong(q + 4));
      msgIds.put(b.getInt(q), b.getLong(q + 12));
    }
    int seqId = GroupHeader.member(b, at);
    Long seqAddr = view.get(seqId);
    if (seqAddr == null) {
      drops.increment(GroupDropReason.BAD_FIELD);
      return;
    }
    long base = GroupHeader.seq(b, at);
    long now = clock.getAsLong();
    if (state == State.JOINING) {
      if (recipient < 0 || view.get(recipient) == null || view.get(recipient) != ep.address()) {
        sendJoinRequest(seqAddr); // a view for all: it tells us where the sequencer is
        return;
      }
      if (joinOldId != -1) {
        if (recipient != joinOldId) {
          drops.increment(GroupDropReason.BAD_FIELD);
          return;
        }
        joinOldId = -1;
        truncate(acceptedScan);
      } else {
        received = acceptedScan = consumed = base;
        acceptedKnown = base;
        logInc = inc;
      }
      logIncAt = incStart - 1;
      myId = recipient;
      admittedAt = GroupHeader.msgId(b, at);
      members.clear();
      members.putAll(view);
      maxIdEver = Math.max(maxIdEver, viewMax);
      msgIds.forEach((k, v) -> deliveredMsgId.merge(k, v, Math::max));
      install(inc, seqId, seqAddr, incStart, GroupHeader.msgId(b, at), stable, now);
      return;
    }
    if (inc < installedInc || state == State.LEFT || state == State.FAILED || state == State.CLOSED
        || (inc == installedInc && state == State.MEMBER)) {
      drops.increment(GroupDropReason.STALE_INCARNATION);
      return;
    }
    Long mine = view.get(myId);
    if (mine == null || mine != ep.address()) {
      rejoin(seqAddr);
      return;
    }
    if (inc == installedInc) {
      drops.increment(GroupDropReason.STALE_INCARNATION); // still listed: wait to be expelled
      return;
    }
    truncate(acceptedScan);
    logIncAt = incStart - 1;
    install(inc, seqId, seqAddr, incStart, GroupHeader.msgId(b, at), stable, now);
  }

  private void install(int inc, int seqId, long seqAddr, long incStart, long lastSeq, long stable,
      long now) {
    if (inc != installedInc) {
      log("incarnation {}, sequencer {}", inc, seqId);
    }
    installedInc = inc;
    votedForOther = false;
    ackNow = true; // the new sequencer needs our first ACK whatever we held before
    if (inc > promisedInc) {
      promisedInc = inc;
      promisedCoord = seqId;
    }
    sequencerId = seqId;
    sequencerAddr = seqAddr;
    heardStamp = 0; // stamps are per sequencer term
    incStartSeq = incStart;
    lastSeqKnown = Math.max(received, lastSeq);
    stableKnown = Math.max(stableKnown, Math.min(stable, received));
    lastHeardSequencerNs = now;
    coordinating = false;
    fetchFrom = null;
    state = State.MEMBER;
    advanceReceived();
    needAck = true;
    lastNakNs = Long.MIN_VALUE / 2;
    maybeNak(now, false);
    changed.signalAll();
  }

  private void onExpelled(ByteBuffer b, int at, long src) {
    if ((state == State.MEMBER || state == State.RESETTING) && src == sequencerAddr
        && GroupHeader.aux(b, at) == myId && GroupHeader.incarnation(b, at) == installedInc
        && !isSequencer()) {
      log("expelled; rejoining");
      rejoin(sequencerAddr);
    }
  }

  private void rejoin() {
    rejoin(sequencerAddr);
  }

  /** Expelled, or left behind by a reset: join again, resuming after what we accepted. */
  private void rejoin(long seqAddr) {
    if (leaving) {
      state = State.LEFT;
      changed.signalAll();
      return;
    }
    joinOldId = myId;
    coordinating = false;
    fetchFrom = null;
    truncate(acceptedScan);
    state = State.JOINING;
    resumeFrom = acceptedScan + 1;
    sendJoinRequest(seqAddr);
    changed.signalAll();
  }

  private void sendJoinRequest(long to) {
    ByteBuffer b = header(GroupMessageType.JOIN_REQ, 0, installedInc, joinOldId, 0, resumeFrom,
        0, 0, 0);
    b.limit(GroupHeader.LENGTH);
    if (to == FlipAddress.NULL) {
      ep.multicast(group, b);
    } else {
      ep.send(to, b);
    }
  }

  private void onJoinRefused() {
    if (state == State.JOINING) {
      state = State.FAILED;
      changed.signalAll();
    }
  }

  // ---- reset -------------------------------------------------------------------------------

  private void startReset(GroupResetEvent cause, boolean force) {
    if (state != State.MEMBER && state != State.RESETTING) {
      return;
    }
    resets.increment(cause);
    log("reset for incarnation {} ({})", Math.max(installedInc, promisedInc) + 1, cause);
    long now = clock.getAsLong();
    state = State.RESETTING;
    coordinating = true;
    forceReset = force;
    ballotInc = Math.max(installedInc, promisedInc) + 1;
    promisedInc = ballotInc;
    promisedCoord = myId;
    votes.clear();
    if (mayVote(now, myId)) {
      votes.put(myId, selfVote());
    }
    resetStartNs = now;
    resetActivityNs = now;
    majorityAtNs = -1;
    fetchFrom = null;
    acceptedFromVotes = acceptedScan;
    multicastHeader(GroupMessageType.RESET_REQ, force ? GroupHeader.FLAG_FORCE : 0, ballotInc,
        myId, 0, 0, 0, 0, 0);
    checkVotes(now);
    changed.signalAll();
  }

  private Vote selfVote() {
    return new Vote(myId, received, acceptedScan, logInc, installedInc, ep.address());
  }

  private void onResetReq(ByteBuffer b, int at, long src) {
    int inc = GroupHeader.incarnation(b, at);
    int coord = GroupHeader.member(b, at);
    if (state != State.MEMBER && state != State.RESETTING) {
      return;
    }
    long now = clock.getAsLong();
    boolean force = (GroupHeader.flags(b, at) & GroupHeader.FLAG_FORCE) != 0;
    boolean healthy = state == State.MEMBER
        && (isSequencer() || now - lastHeardSequencerNs < cfg.failNanos());
    int cmp = inc != promisedInc ? Integer.compare(inc, promisedInc)
        : Integer.compare(coord, promisedCoord);
    if (state == State.RESETTING && coordinating && inc <= installedInc) {
      return; // a stale candidate: not our business while we run our own
    }
    if ((healthy && !force) || inc <= installedInc || cmp < 0) {
      sendHeader(src, GroupMessageType.REJECT, healthy ? GroupHeader.FLAG_ALIVE : 0, installedInc,
          myId, promisedInc, 0, 0, 0, 0);
      return;
    }
    if (cmp > 0) {
      votedForOther = true;
      promisedInc = inc;
      promisedCoord = coord;
      coordinating = false;
      fetchFrom = null;
      state = State.RESETTING;
      changed.signalAll();
    }
    resetActivityNs = now;
    if (!mayVote(now, coord)) {
      return; // promised (we ACK the old sequencer no more); the VOTE answers a later RESET_REQ
    }
    sendHeader(src, GroupMessageType.VOTE, 0, inc, myId, logInc, received, 0, acceptedScan,
        installedInc);
  }

  /**
   * Whether we may vote for {@code coord}'s ballot now without breaking the sequencer's lease:
   * once failNanos have passed since we last heard it (always so unless the reset is forced),
   * or if we or the coordinator are that sequencer (it gave its lease up by starting or
   * joining the reset).
   */
  private boolean mayVote(long now, int coord) {
    return sequencerId == myId || coord == sequencerId
        || now - lastHeardSequencerNs >= cfg.failNanos();
  }

  private void onReject(ByteBuffer b, int at, long src) {
    if (!coordinating) {
      return;
    }
    int theirInc = GroupHeader.incarnation(b, at);
    promisedInc = Math.max(promisedInc, GroupHeader.aux(b, at)); // next ballot goes higher
    if ((GroupHeader.flags(b, at) & GroupHeader.FLAG_ALIVE) != 0 && theirInc == installedInc
        && !votedForOther && !forceReset && fetchFrom == null) {
      // A false suspicion: the sequencer is alive for others. Our ballot is abandoned unused
      // (nobody can complete it but us), so going back to the incarnation is safe.
      coordinating = false;
      state = State.MEMBER;
      resets.increment(GroupResetEvent.REFUTED);
      suspicionDeferredNs = clock.getAsLong() + cfg.failNanos();
      changed.signalAll();
      return;
    }
    long now = clock.getAsLong();
    if ((GroupHeader.flags(b, at) & GroupHeader.FLAG_ALIVE) != 0
        && now - lastViewReqNs > cfg.heartbeatNanos()) {
      // We cannot go back (we voted for another ballot): the sequencer will expel us; ask
      // whether it has, so that we rejoin.
      lastViewReqNs = now;
      sendHeader(src, GroupMessageType.VIEW_REQ, 0, installedInc, myId, 0, 0, 0, 0, 0);
    }
    if (theirInc > installedInc) {
      // A newer incarnation exists: we are the stale side. Learn its view (and rejoin).
      sendHeader(src, GroupMessageType.VIEW_REQ, 0, installedInc, myId, 0, 0, 0, 0, 0);
    }
  }

  private void onVote(ByteBuffer b, int at, long src) {
    if (!coordinating || GroupHeader.incarnation(b, at) != ballotInc) {
      drops.increment(GroupDropReason.STALE_INCARNATION);
      return;
    }
    int id = GroupHeader.member(b, at);
    votes.put(id, new Vote(id, GroupHeader.seq(b, at), GroupHeader.accepted(b, at),
        GroupHeader.aux(b, at), (int) Math.min(Integer.MAX_VALUE, GroupHeader.stable(b, at)), src));
    resetActivityNs = clock.getAsLong();
    checkVotes(resetActivityNs);
  }

  private int votesInView() {
    int n = 0;
    for (int id : members.keySet()) {
      if (votes.containsKey(id)) {
        n++;
      }
    }
    return n;
  }

  private void checkVotes(long now) {
    if (!coordinating) {
      return;
    }
    if (!votes.containsKey(myId) && mayVote(now, myId)) {
      votes.put(myId, selfVote()); // a forced reset's coordinator waited out the lease
    }
    if (fetchFrom != null) {
      if (received >= fetchTarget) {
        finishReset(now);
      }
      return;
    }
    for (Vote v : votes.values()) {
      if (v.installedInc() > installedInc) {
        coordinating = false; // someone has seen a newer incarnation than we have
        sendHeader(v.addr(), GroupMessageType.VIEW_REQ, 0, installedInc, myId, 0, 0, 0, 0, 0);
        return;
      }
    }
    if (votesInView() < members.size() / 2 + 1) {
      return; // the majority rule: a minority never moves on
    }
    if (majorityAtNs < 0) {
      majorityAtNs = now;
    }
    if (votesInView() < members.size() && now - majorityAtNs < 2 * cfg.heartbeatNanos()) {
      return; // give the others a moment: every voter's history counts
    }
    Vote best = selfVote();
    long acc = acceptedScan;
    for (Vote v : votes.values()) {
      acc = Math.max(acc, v.accepted());
      if (v.logInc() > best.logInc()
          || (v.logInc() == best.logInc() && v.received() > best.received())) {
        best = v;
      }
    }
    acceptedFromVotes = acc;
    if (best.id() == myId) {
      finishReset(now);
      return;
    }
    truncate(acceptedScan); // what we hold beyond the accepted prefix may be superseded
    fetchFrom = best;
    fetchTarget = best.received();
    if (received >= fetchTarget) {
      finishReset(now);
    } else {
      sendFetch();
    }
  }

  private void sendFetch() {
    sendHeader(fetchFrom.addr(), GroupMessageType.FETCH, 0, ballotInc, myId, 0, received + 1,
        fetchTarget, 0, 0);
  }

  private void onFetch(ByteBuffer b, int at, long src) {
    if (GroupHeader.incarnation(b, at) != promisedInc || GroupHeader.member(b, at) != promisedCoord) {
      drops.increment(GroupDropReason.STALE_INCARNATION);
      return;
    }
    long from = GroupHeader.seq(b, at);
    long to = Math.min(Math.min(GroupHeader.msgId(b, at), received), from + MAX_SPAN);
    resend(src, from, to, installedInc);
  }

  private void finishReset(long now) {
    acceptedKnown = Math.max(acceptedKnown, Math.min(acceptedFromVotes, received));
    advanceAccepted();
    if (votesInView() < members.size() / 2 + 1) {
      fetchFrom = null; // the reconciled membership is larger: wait for more votes
      majorityAtNs = -1;
      return;
    }
    coordinating = false;
    fetchFrom = null;
    resets.increment(GroupResetEvent.COMPLETED);
    log("incarnation {}, sequencer {} (us, {} votes)", ballotInc, myId, votes.size());
    truncate(received); // out-of-order leftovers of the old incarnation must not meet new seqs
    installedInc = ballotInc;
    votedForOther = false;
    logInc = ballotInc;
    logIncAt = -1;
    sequencerId = myId;
    sequencerAddr = ep.address();
    incStartSeq = received + 1;
    nextSeq = received + 1;
    lastSeqKnown = received;
    state = State.MEMBER;
    // The sequencer's tables, rebuilt from the accepted membership and the reconciled tail.
    live.clear();
    live.putAll(members);
    orderedMsgId.clear();
    orderedMsgId.putAll(deliveredMsgId); // every id ever: a rejoiner keeps its numbering
    for (long s = acceptedScan + 1; s <= received; s++) {
      Entry e = held(s);
      if ((e.flags & GroupHeader.FLAG_EVENT) != 0) {
        applyEvent(e.data, live, 0);
      } else {
        orderedMsgId.merge(e.origin, e.msgId, Math::max);
      }
    }
    for (int id : live.keySet()) {
      orderedMsgId.putIfAbsent(id, 0L);
    }
    acks.clear();
    echoes.clear();
    leaseBaseNs = now;
    lastHeard.clear();
    fifo.clear();
    joinBase.clear();
    for (Vote v : votes.values()) {
      if (live.containsKey(v.id())) {
        acks.put(v.id(), v.accepted());
      }
    }
    for (int id : live.keySet()) {
      lastHeard.put(id, now);
    }
    sendView(group, -1, acceptedScan);
    for (int id : new ArrayList<>(live.keySet())) {
      if (id != myId && !votes.containsKey(id)) {
        expel(id); // did not vote: crashed or on the minority side; it may rejoin later
      }
    }
    for (Outgoing o : unconfirmed.values()) {
      o.lastSentNs = Long.MIN_VALUE / 2;
    }
    changed.signalAll();
  }

  // ---- packet building ---------------------------------------------------------------------

  /** Room for a body of {@code bytes} after the header (call before {@link #header}). */
  private void ensureTx(int bytes) {
    if (tx.capacity() < GroupHeader.LENGTH + bytes) {
      tx = ByteBuffer.allocate(GroupHeader.LENGTH + bytes);
    }
  }

  private ByteBuffer header(GroupMessageType type, int flags, int inc, int member, int aux,
      long seq, long msgId, long accepted, long stable) {
    ByteBuffer b = tx;
    b.clear();
    b.limit(b.capacity());
    GroupHeader.write(b, 0, type, flags, inc, member, aux, seq, msgId, accepted, stable);
    return b; // limit still at capacity: the caller writes a body, then sets the limit
  }

  private void sendHeader(long to, GroupMessageType type, int flags, int inc, int member, int aux,
      long seq, long msgId, long accepted, long stable) {
    ep.send(to, header(type, flags, inc, member, aux, seq, msgId, accepted, stable)
        .limit(GroupHeader.LENGTH));
  }

  private void multicastHeader(GroupMessageType type, int flags, int inc, int member, int aux,
      long seq, long msgId, long accepted, long stable) {
    sendBundle(); // a SYNC must not announce seqs still in the bundle
    ep.multicast(group, header(type, flags, inc, member, aux, seq, msgId, accepted, stable)
        .limit(GroupHeader.LENGTH));
  }
}
