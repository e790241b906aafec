package amoeba.servers.directory;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupInfo;
import amoeba.ipc.group.GroupMember;
import amoeba.ipc.group.GroupMessage;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.api.Ipc;
import amoeba.kernel.api.PoolAuthority;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.Wire;
import amoeba.servers.directory.DirectoryState.Result;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * One replica of the directory: the state machine, its place in the replicas' group, state
 * transfer and the disk. See docs/architecture.md ("Directory server") for the rules; in short:
 *
 * <ul>
 *   <li>Updates are proposed into the group (total order, r = 1, majority) and applied by every
 *       replica on delivery; the replica the client reached answers once it applied its own.
 *   <li>Reads are linearizable. At the sequencer's replica, while its lease holds: wait until
 *       this replica has applied the group's read index, then read the local state (no group
 *       round). Elsewhere: send a READ mark into the group and read once it is delivered here.
 *       Either way the read sees every update that completed before it began.
 *   <li>CP: a replica serves (reads and updates) only while it is a member of a group view
 *       holding a majority of the configured replicas, its state is synced, and none of its own
 *       messages has waited longer than {@code failNanos} for delivery. Otherwise: NOTNOW.
 *   <li>State transfer: a replica that joins sends a SYNC mark with its index; at that point in
 *       the order every synced replica either keeps a snapshot for the joiner (its index is at
 *       least the joiner's) or, if the joiner's disk state is newer, fetches the joiner's. The
 *       joiner fetches over RPC from another replica's private port and applies what it
 *       buffered after its mark.
 * </ul>
 */
final class DirectoryReplica implements AutoCloseable {
  static final String GROUP_SERVICE = "dir-group";
  static final String REPLICA_SERVICE = "dir-replica";
  /** The leader port (get-port "dir-leader"/"pool"): served while this replica holds the lease. */
  static final String LEADER_SERVICE = "dir-leader";

  private static final int OP = 1;
  private static final int READ_MARK = 2;
  private static final int SYNC_MARK = 3;
  private static final long MS = 1_000_000L;
  /** Buffered deliveries while waiting for a state transfer; beyond it: start the sync over. */
  private static final int MAX_BUFFERED = 100_000;

  /** Timers of a replica (nanoseconds). */
  record Timing(long heartbeatNanos, long failNanos) {
    static Timing defaults() {
      return new Timing(50 * MS, 1000 * MS);
    }
  }

  /** What FETCH answers for a marker. */
  private record MarkerAnswer(int kind, byte[] snapshot) {}

  private final Ipc ipc;
  private final PoolAuthority authority;
  private final String board;
  private final List<String> replicas;
  private final int rank;
  private final Timing timing;
  private final GroupConfig groupConfig;
  private final long groupPort;
  private final Port getPort;
  private final CheckScheme scheme = new CheckScheme(new SecureRandom());
  private final SecureRandom random = new SecureRandom();
  private final long nonce = random.nextLong();
  private final AtomicLong nextId = new AtomicLong(1);
  private final ConcurrentHashMap<Long, CompletableFuture<Result>> pending = new ConcurrentHashMap<>();
  /** Send time of our own messages not delivered back yet, by id: the lease of the CP rule. */
  private final ConcurrentHashMap<Long, Long> inFlight = new ConcurrentHashMap<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  /** The group seq this replica has received and applied through; signalled on each advance. */
  private volatile long applied;
  private final ReentrantLock appliedLock = new ReentrantLock();
  private final Condition appliedAdvanced = appliedLock.newCondition();
  private final LongAdder leaseReads = new LongAdder();
  private final LongAdder markReads = new LongAdder();
  private volatile Consumer<Boolean> leadership = lead -> { };
  private boolean leading; // applier thread only
  private long lastLeaseCheckNs;
  private final Map<Long, MarkerAnswer> markers = new LinkedHashMap<>(16, 0.75f, false) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, MarkerAnswer> e) {
      return size() > 16;
    }
  };
  private final DirectoryStore store;
  private DirectoryState state; // guarded by lock
  private DirectoryState.Objects objects;

  private volatile GroupMember member;
  private volatile boolean synced;
  private volatile int viewSize;
  private volatile boolean closed;
  /** Waiting for a state transfer as of this marker (0: not waiting); applier thread only. */
  private volatile long awaitMarker;
  /** Whether {@link #awaitMarker} is our own join mark (else another joiner's newer state). */
  private boolean ownMarker;
  /** Whether our own mark (ownMarker) came back in the order: only then may we fetch. */
  private boolean ownMarkDelivered;
  /**
   * A creator serves only after this many joiners' marks: its disk state may be older than
   * theirs (a pool restarting), and the newest state must win before anything is accepted.
   */
  private volatile int marksToConfirm;
  private long lastFetchNs;
  private List<String> fetchFrom = List.of();
  private final List<byte[]> buffered = new ArrayList<>();
  private long awaitSinceNs;
  private long stuckSinceNs = -1; // since our group could not serve (housekeeping's give-up rule)
  private long lastHeartbeatNs;
  private Thread applier;

  DirectoryReplica(Ipc ipc, PoolAuthority authority, String board, List<String> replicas,
      Path storage, Timing timing) throws IOException {
    this.ipc = ipc;
    this.authority = authority;
    this.board = board;
    this.replicas = List.copyOf(replicas);
    this.rank = Math.max(0, replicas.indexOf(board));
    this.timing = timing;
    this.groupConfig = GroupConfig.defaults().withResilience(1).withMaxMembers(replicas.size() + 2)
        .withTimers(timing.heartbeatNanos, timing.failNanos, Math.max(MS, timing.heartbeatNanos * 2),
            Math.max(MS, timing.heartbeatNanos / 2));
    this.groupPort = authority.getPort(GROUP_SERVICE, BoardPorts.POOL).value();
    this.getPort = authority.getPort(BoardPorts.DIRECTORY, BoardPorts.POOL);
    this.state = new DirectoryState(getPort, BoardPorts.rootSecret(getPort), scheme);
    this.store = storage == null ? null : new DirectoryStore(storage);
    if (store != null) {
      load();
    }
  }

  private void load() throws IOException {
    DirectoryStore.Loaded loaded = store.load();
    try {
      if (loaded.snapshot() != null) {
        state = DirectoryState.fromSnapshot(getPort.putPort(), scheme, loaded.snapshot());
      }
    } catch (Wire.Malformed | CapabilityException e) {
      throw new IOException("directory snapshot unreadable: " + e.getMessage(), e);
    }
    for (byte[] update : loaded.log()) {
      applyOp(update, false);
    }
    Logger.info("directory replica {}: loaded index {} ({} log records)", board, state.index(), loaded.log().size());
  }

  Port putPort() {
    return getPort.putPort();
  }

  Port getPort() {
    return getPort;
  }

  /** Told (on the applier thread) whenever this replica starts or stops holding the lease. */
  void onLeadership(Consumer<Boolean> listener) {
    leadership = listener;
  }

  CheckScheme scheme() {
    return scheme;
  }

  /** Mirrors the directories into the serving object table (and every later change). */
  void attach(DirectoryState.Objects listener) {
    lock.writeLock().lock();
    try {
      objects = listener;
      state.attach(listener);
    } finally {
      lock.writeLock().unlock();
    }
  }

  void start() {
    applier = new Thread(this::applyLoop, "dir-apply-" + board);
    applier.setDaemon(true);
    applier.start();
  }

  // ---- the client's side ------------------------------------------------------------------

  /** Why this replica does not serve now, or null if it does (the CP rule). */
  String notServing() {
    GroupMember m = member;
    if (m == null) {
      return "replica " + board + " is not in the directory group";
    }
    if (!synced || awaitMarker != 0 || marksToConfirm > 0) {
      return "replica " + board + " is catching up (state transfer)";
    }
    if (viewSize < majority()) {
      return "replica " + board + " sees " + viewSize + " of " + replicas.size()
          + " replicas: no majority, so it serves nothing (CP)";
    }
    long now = System.nanoTime();
    for (long sent : inFlight.values()) {
      if (now - sent > timing.failNanos) {
        return "replica " + board + " has not heard the group order for "
            + (now - sent) / MS + " ms: no majority, so it serves nothing (CP)";
      }
    }
    return null;
  }

  int majority() {
    return replicas.size() / 2 + 1;
  }

  /** A linearizable read: {@link #catchUp}, then the state as applied here. */
  Result read(int command, Capability cap, ByteBuffer data) {
    String why = catchUp();
    if (why != null) {
      return refusal(ErrorCode.NOTNOW, why);
    }
    lock.readLock().lock();
    try {
      return state.read(command, cap, data);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Makes this replica current: once this returns null, it has applied every update ordered
   * before the call. By the lease if our group member is the sequencer holding it (once we
   * applied its read index), else once our READ mark is delivered here. Otherwise why not.
   */
  String catchUp() {
    String why = notServing();
    if (why != null) {
      return why;
    }
    GroupMember m = member;
    long readIndex = m == null ? -1 : m.readIndex();
    if (readIndex >= 0 && awaitApplied(m, readIndex, timing.failNanos)) {
      leaseReads.increment();
      return null;
    }
    markReads.increment();
    long id = nextId.getAndIncrement();
    Result r = propose(id, new Wire.Out().u8(READ_MARK).i64(nonce).i64(id).toByteArray(), 3 * timing.failNanos);
    // Nothing changes by a read: an undelivered mark is simply a refusal.
    return r.status() == 0 ? null : "replica " + board + ": the read was not ordered in time (no majority?)";
  }

  /**
   * An update: ordered through the group and applied everywhere; the result as applied here.
   * FAILURE if it was sent but not delivered in time: it may still be applied later.
   */
  Result update(int command, Capability cap, ByteBuffer data) {
    String why = notServing();
    if (why != null) {
      return refusal(ErrorCode.NOTNOW, why);
    }
    long id = nextId.getAndIncrement();
    byte[] body = new byte[data.remaining()];
    data.get(data.position(), body);
    // Secrets of new directories (and revocations) are drawn here and carried in the update.
    byte[] msg = new Wire.Out().u8(OP).i64(nonce).i64(id).u16(command).bytes(cap.toBytes())
        .i64(scheme.newSecret()).bytes(body).toByteArray();
    // Long enough to ride out one sequencer failover (suspicion, votes, new view).
    return propose(id, msg, 5 * timing.failNanos);
  }

  /**
   * Waits (at most the timeout) until the applier has applied {@code m}'s messages through
   * {@code seq}; false if it did not, or if this replica's membership or sync changed meanwhile.
   */
  private boolean awaitApplied(GroupMember m, long seq, long timeoutNanos) {
    long waitNs = timeoutNanos;
    appliedLock.lock();
    try {
      while (applied < seq && member == m && waitNs > 0) {
        waitNs = appliedAdvanced.awaitNanos(waitNs);
      }
      return applied >= seq && member == m && synced && awaitMarker == 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      appliedLock.unlock();
    }
  }

  private void setApplied(long seq) {
    appliedLock.lock();
    try {
      applied = seq;
      appliedAdvanced.signalAll();
    } finally {
      appliedLock.unlock();
    }
  }

  private Result propose(long id, byte[] msg, long timeoutNanos) {
    GroupMember m = member;
    if (m == null) {
      return refusal(ErrorCode.NOTNOW, "replica " + board + " is not in the directory group");
    }
    CompletableFuture<Result> f = new CompletableFuture<>();
    pending.put(id, f);
    inFlight.put(id, System.nanoTime());
    try {
      if (m.send(msg, timeoutNanos) < 0) {
        return refusal(ErrorCode.NOTNOW, "replica " + board + ": the group's send window stayed full");
      }
      return f.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (IllegalStateException e) {
      return refusal(ErrorCode.FAILURE, "replica " + board + " left the group meanwhile; the update may or may not apply");
    } catch (TimeoutException e) {
      return refusal(ErrorCode.FAILURE, "replica " + board + ": not ordered within "
          + timeoutNanos / MS + " ms; the update may or may not apply later");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return refusal(ErrorCode.INTERRUPTED, "interrupted");
    } catch (ExecutionException e) {
      return refusal(ErrorCode.FAILURE, e.getCause().toString());
    } finally {
      pending.remove(id);
      inFlight.remove(id);
    }
  }

  private static Result refusal(ErrorCode code, String why) {
    return new Result(code.code(), why.getBytes(StandardCharsets.UTF_8), null, false);
  }

  String info(int object) {
    lock.readLock().lock();
    try {
      return state.info(object);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** key=value lines for STATUS. */
  String status() {
    GroupMember m = member;
    GroupInfo gi = m == null ? null : m.info();
    long index;
    lock.readLock().lock();
    try {
      index = state.index();
    } finally {
      lock.readLock().unlock();
    }
    String why = notServing();
    return "board=" + board + "\nindex=" + index + "\nsynced=" + synced + "\nserving=" + (why == null)
        + "\nview=" + viewSize + "\ngroup=" + (gi == null ? "none" : gi.state() + " inc " + gi.incarnation()
        + " seq " + gi.delivered()) + "\nsequencer=" + (gi != null && gi.memberId() == gi.sequencerId())
        + "\nresets=" + (m == null ? "{}" : m.resets())
        + "\nlease_reads=" + leaseReads.sum() + "\nmark_reads=" + markReads.sum()
        + (why == null ? "" : "\nwhy=" + why) + "\n";
  }

  long index() {
    lock.readLock().lock();
    try {
      return state.index();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** FETCH: the state as of {@code marker}, "keep yours", or "not here". */
  byte[] fetch(long marker) {
    synchronized (markers) {
      MarkerAnswer a = markers.get(marker);
      if (a == null) {
        return new byte[] {2};
      }
      if (a.kind == 0) {
        byte[] out = new byte[1 + a.snapshot.length];
        System.arraycopy(a.snapshot, 0, out, 1, a.snapshot.length);
        return out;
      }
      return new byte[] {(byte) a.kind};
    }
  }

  // ---- the applier ----------------------------------------------------------------------------

  private void applyLoop() {
    // Interrupted: the process is being killed (its groups are closed): never rejoin then.
    while (!closed && !Thread.currentThread().isInterrupted()) {
      try {
        GroupMember m = ensureMember();
        if (m == null) {
          continue;
        }
        GroupMessage g = m.receive(timing.heartbeatNanos);
        if (g != null) {
          deliver(g.data());
          setApplied(g.seq());
        }
        housekeeping(m);
      } catch (IllegalStateException e) {
        dropMember("group member gone: " + e.getMessage());
      } catch (RuntimeException e) {
        Logger.error(e, "directory replica {}: applier", board);
      }
    }
  }

  /** Joins the group (or creates it, by rank, when nobody answers). */
  private GroupMember ensureMember() {
    GroupMember m = member;
    if (m != null) {
      GroupMember.State s = m.state();
      if (s == GroupMember.State.MEMBER || s == GroupMember.State.RESETTING || s == GroupMember.State.JOINING) {
        return m;
      }
      dropMember("group member is " + s);
    }
    for (int attempt = 0; !closed && !Thread.currentThread().isInterrupted(); attempt++) {
      try {
        GroupMember joined = ipc.joinGroup(groupPort, groupConfig, 2 * timing.failNanos);
        becomeMember(joined, false);
        return joined;
      } catch (IllegalStateException e) {
        // Nobody answered. Rank k creates after k + 1 failed joins; a lone creator that stays
        // alone gives its group up again (housekeeping), so two lone groups do not last.
        if (attempt >= rank) {
          GroupMember created = ipc.createGroup(groupPort, groupConfig);
          becomeMember(created, true);
          return created;
        }
      }
    }
    return null;
  }

  private void becomeMember(GroupMember m, boolean created) {
    buffered.clear();
    awaitMarker = 0;
    stuckSinceNs = -1;
    setApplied(m.info().delivered()); // a joiner starts after its view's base
    member = m;
    viewSize = m.info().members().size();
    marksToConfirm = created ? majority() - 1 : 0;
    if (created) {
      synced = true; // the creator's state is its new group's state, unless a joiner's is newer
      Logger.info("directory replica {}: created the group at index {}", board, index());
    } else {
      synced = false;
      long marker = random.nextLong() & Long.MAX_VALUE | 1;
      awaitMarker = marker;
      ownMarker = true;
      ownMarkDelivered = false;
      awaitSinceNs = System.nanoTime();
      fetchFrom = others();
      m.send(new Wire.Out().u8(SYNC_MARK).i64(nonce).i64(marker).i64(index()).str(board).toByteArray());
      Logger.info("directory replica {}: joined the group, syncing from index {}", board, index());
    }
  }

  private void dropMember(String why) {
    GroupMember m = member;
    member = null;
    setApplied(applied); // wakes lease reads waiting on the old member: they fall back
    lead(false);
    synced = false;
    awaitMarker = 0;
    buffered.clear();
    inFlight.clear();
    if (m != null) {
      m.close();
      Logger.info("directory replica {}: left the group: {}", board, why);
    }
    for (CompletableFuture<Result> f : pending.values()) {
      f.complete(refusal(ErrorCode.FAILURE, "replica " + board + " left the group; the update may or may not apply"));
    }
  }

  private List<String> others() {
    List<String> o = new ArrayList<>(replicas);
    o.remove(board);
    return o;
  }

  /** Tells the listener when the lease (and so the leader port) comes or goes. */
  private void lead(boolean lead) {
    if (lead != leading) {
      leading = lead;
      leadership.accept(lead);
    }
  }

  private void housekeeping(GroupMember m) {
    long now = System.nanoTime();
    if (now - lastLeaseCheckNs >= timing.heartbeatNanos) {
      lastLeaseCheckNs = now;
      lead(synced && awaitMarker == 0 && m.readIndex() >= 0);
    }
    boolean isMember = m.state() == GroupMember.State.MEMBER;
    GroupInfo info = m.info();
    int size = isMember ? info.members().size() : 0;
    viewSize = size;
    // Two groups of ours that cannot serve, and that nobody else will end, are given up after
    // 4-5 failure timeouts so that our join finds (or forms) the real one:
    // - below a majority: maybe a lone group beside the real one;
    // - created here, no majority joined yet, and no lease (a majority of its accepted
    //   membership silent). Seen in a soak: the first joiner was a ghost (a join that timed out
    //   at the joiner but got in here), and {us, ghost} can accept neither the ghost's EXPEL nor
    //   any JOIN, so the others' joins waited for ever. Only while forming: a sequencer cut off
    //   later is replaced by a reset and catches up through the group.
    String stuck = size < majority() ? "alone below a majority for too long"
        : marksToConfirm > 0 && info.memberId() == info.sequencerId() && m.readIndex() < 0
            ? "created the group, but no lease for too long (a majority of its members silent)" : null;
    if (stuck == null) {
      stuckSinceNs = -1;
    } else if (stuckSinceNs < 0) {
      stuckSinceNs = now;
    } else if (isMember && now - stuckSinceNs > 4 * timing.failNanos + (long) (random.nextDouble() * timing.failNanos)) {
      dropMember(stuck + ": looking for the group again");
      return;
    }
    // An idle replica still proves now and then that it hears the order (the CP lease).
    if (inFlight.isEmpty() && synced && awaitMarker == 0 && now - lastHeartbeatNs > timing.failNanos / 4
        && m.state() == GroupMember.State.MEMBER) {
      lastHeartbeatNs = now;
      long id = nextId.getAndIncrement();
      inFlight.put(id, now);
      if (m.send(new Wire.Out().u8(READ_MARK).i64(nonce).i64(id).toByteArray(), 0) < 0) {
        inFlight.remove(id);
      }
    }
    if (awaitMarker != 0) {
      // Our own mark must be delivered here first: a state fetched before it would meet
      // buffered messages it already holds (the replica that answered delivered the mark
      // sooner), and finishSync would apply them twice.
      if (!ownMarker || ownMarkDelivered) {
        tryFetch();
      }
      if (awaitMarker != 0 && System.nanoTime() - awaitSinceNs > 10 * timing.failNanos) {
        dropMember("no state transfer in time (our mark not back, or nobody could give the state): syncing again");
      }
    }
  }

  /** One delivered message, in the group's order. */
  private void deliver(byte[] msg) {
    if (msg.length < 17) {
      return;
    }
    ByteBuffer b = ByteBuffer.wrap(msg);
    int kind = b.get(0);
    long from = b.getLong(1);
    long id = b.getLong(9);
    if (kind == SYNC_MARK) {
      syncMark(msg, from, id);
      return;
    }
    if (awaitMarker != 0 || !synced) {
      if (awaitMarker != 0) {
        if (buffered.size() >= MAX_BUFFERED) {
          dropMember("too much buffered while waiting for a state transfer");
          return;
        }
        buffered.add(msg);
      }
      return;
    }
    apply(msg, kind, from, id);
  }

  private void apply(byte[] msg, int kind, long from, long id) {
    Result r = kind == OP ? applyOp(msg, true) : Result.ok(new byte[0], false);
    if (from == nonce) {
      inFlight.remove(id);
      CompletableFuture<Result> f = pending.get(id);
      if (f != null) {
        f.complete(r);
      }
    }
  }

  /** Applies an OP message; logs it if it changed the state. */
  private Result applyOp(byte[] msg, boolean log) {
    ByteBuffer b = ByteBuffer.wrap(msg);
    int command = b.getShort(17) & 0xFFFF;
    byte[] capBytes = new byte[Capability.SIZE];
    b.get(19, capBytes);
    long secret = b.getLong(19 + Capability.SIZE);
    ByteBuffer data = ByteBuffer.wrap(msg, 27 + Capability.SIZE, msg.length - 27 - Capability.SIZE);
    lock.writeLock().lock();
    try {
      Result r = state.apply(command, Capability.fromBytes(capBytes), secret, data);
      if (r.changed() && log && store != null) {
        try {
          if (store.append(msg)) {
            store.snapshot(state.snapshot());
          }
        } catch (IOException e) {
          Logger.error(e, "directory replica {}: the log cannot be written", board);
        }
      }
      return r;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void syncMark(byte[] msg, long from, long marker) {
    long joinerIndex;
    String joiner;
    try {
      Wire.In in = new Wire.In(ByteBuffer.wrap(msg, 17, msg.length - 17));
      joinerIndex = in.i64();
      joiner = in.str();
    } catch (Wire.Malformed e) {
      return;
    }
    if (from == nonce) {
      if (ownMarker && marker == awaitMarker) {
        // Our own: the state we fetch is as of this point, so what came before it is in there.
        buffered.clear();
        ownMarkDelivered = true;
      }
      return;
    }
    if (!synced || awaitMarker != 0) {
      if (awaitMarker != 0) {
        buffered.add(msg); // a later joiner: answered once we are synced (see finishSync)
      }
      return;
    }
    if (marksToConfirm > 0) {
      marksToConfirm--;
    }
    answerMarker(marker, joinerIndex, joiner);
  }

  private void answerMarker(long marker, long joinerIndex, String joiner) {
    long index = index();
    synchronized (markers) {
      if (index >= joinerIndex) {
        lock.readLock().lock();
        try {
          markers.put(marker, new MarkerAnswer(0, state.snapshot()));
        } finally {
          lock.readLock().unlock();
        }
        return;
      }
      markers.put(marker, new MarkerAnswer(1, null));
    }
    // The joiner's disk state is newer than ours (a pool restarting): we take it, as of its mark.
    Logger.info("directory replica {}: {} brings index {} > {}: fetching its state", board, joiner, joinerIndex, index);
    awaitMarker = marker;
    ownMarker = false;
    awaitSinceNs = System.nanoTime();
    fetchFrom = List.of(joiner);
  }

  /** Asks the replicas in {@link #fetchFrom} for the state as of {@link #awaitMarker}. */
  private void tryFetch() {
    long now = System.nanoTime();
    if (now - lastFetchNs < 2 * timing.heartbeatNanos) {
      return;
    }
    lastFetchNs = now;
    boolean keepMine = false;
    for (String other : fetchFrom) {
      RpcMessage rq = new RpcMessage().capability(authority.owner(REPLICA_SERVICE, other))
          .command(DirectoryCommand.FETCH.code()).data(ByteBuffer.wrap(new Wire.Out().i64(awaitMarker).toByteArray()));
      RpcMessage reply = ipc.trans(rq, 2 * timing.failNanos);
      if (!reply.ok() || reply.dataLength() < 1) {
        continue;
      }
      byte[] answer = new byte[reply.dataLength()];
      reply.data().get(reply.data().position(), answer);
      if (answer[0] == 0) {
        try {
          install(DirectoryState.fromSnapshot(getPort.putPort(), scheme,
              java.util.Arrays.copyOfRange(answer, 1, answer.length)));
        } catch (Wire.Malformed | CapabilityException e) {
          Logger.warn("directory replica {}: bad state from {}: {}", board, other, e.getMessage());
          continue;
        }
        Logger.info("directory replica {}: state from {} at index {}", board, other, index());
        finishSync();
        return;
      }
      if (answer[0] == 1) {
        keepMine = true;
      }
    }
    if (keepMine && ownMarker) {
      // A synced replica says our state is newer: it is the group's state as of our mark.
      synchronized (markers) {
        lock.readLock().lock();
        try {
          markers.put(awaitMarker, new MarkerAnswer(0, state.snapshot()));
        } finally {
          lock.readLock().unlock();
        }
      }
      Logger.info("directory replica {}: our state (index {}) is the newest", board, index());
      finishSync();
      return;
    }
  }

  private void install(DirectoryState fresh) {
    lock.writeLock().lock();
    try {
      state.detach();
      state = fresh;
      if (objects != null) {
        state.attach(objects);
      }
      if (store != null) {
        store.snapshot(state.snapshot());
      }
    } catch (IOException e) {
      Logger.error(e, "directory replica {}: the snapshot cannot be written", board);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void finishSync() {
    awaitMarker = 0;
    synced = true;
    List<byte[]> later = new ArrayList<>(buffered);
    buffered.clear();
    for (byte[] msg : later) {
      deliver(msg);
    }
  }

  @Override
  public void close() {
    closed = true;
    Thread t = applier;
    if (t != null) {
      t.interrupt();
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    GroupMember m = member;
    member = null;
    if (m != null) {
      m.leave(timing.failNanos); // a clean stop leaves, so the others need not suspect us
      m.close();
    }
    try {
      if (store != null) {
        store.close();
      }
    } catch (IOException e) {
      Logger.warn("directory replica {}: closing the log: {}", board, e.getMessage());
    }
  }
}
