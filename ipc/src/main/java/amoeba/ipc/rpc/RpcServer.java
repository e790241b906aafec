package amoeba.ipc.rpc;

import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.flip.Endpoint;
import amoeba.flip.Message;
import amoeba.flip.wire.FlipAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One server instance on one port: {@link #getreq} and {@link #putrep}, with at-most-once
 * execution ({@link TransactionTable}). Any number of threads may serve it; they all receive
 * on the port's one FLIP endpoint, so the thread that reads a request from the network is the
 * thread that runs it: no hand-off on the fast path.
 *
 * <p>A thread in getreq answers protocol traffic itself (ACK for a duplicate of an executing
 * request, the stored reply for a duplicate of a replied one, ALIVE for an ENQUIRE) and returns
 * only new requests. While no thread waits in getreq (all busy executing long requests), a
 * keeper thread answers that traffic instead, so a long call is not mistaken for a dead server;
 * a new request the keeper receives is queued for the next getreq (the slow path).
 *
 * <p>Each instance has a random instance id, which clients learn with IDENTIFY and name in
 * every REQUEST and ENQUIRE. A message naming another instance is never executed: it gets a
 * NAK, TRYAGAIN for the first send of a REQUEST (it reached nobody else), FAILURE otherwise.
 *
 * <p>A server that moves (process migration) keeps its instance id and takes its replied
 * transactions along: {@link #exportTable} here, {@link Rpc#server(Port, long, byte[])} there.
 *
 * <p>Not final only for stand-ins that forward every call elsewhere (a child JVM's view of its
 * kernel's server, see {@link #RpcServer()}).
 */
public class RpcServer implements AutoCloseable {
  /** Longest a standing-by thread waits before it looks whether anyone listens (10 ms). */
  private static final long STANDBY_SLICE_NANOS = 10_000_000L;

  private final Rpc rpc;
  private final Port getPort;
  private final long instance;
  private final Endpoint endpoint;
  private final TransactionTable table;
  private final RpcStats stats;
  private final int maxMessageBytes;
  private final ThreadLocal<Current> current = ThreadLocal.withInitial(Current::new);
  private final AtomicInteger waiting = new AtomicInteger();
  /** Threads inside endpoint.receive: at most one, normally (see getreq). */
  private final AtomicInteger receivers = new AtomicInteger();
  private final AtomicInteger executing = new AtomicInteger();
  /** Threads in getreq that stand by while another receives, most recent first. */
  private final ConcurrentLinkedDeque<Thread> standby = new ConcurrentLinkedDeque<>();
  private final ConcurrentLinkedQueue<Admitted> handoff = new ConcurrentLinkedQueue<>();
  private final Thread keeper;
  private volatile long lastExitNanos;
  private volatile boolean closed;

  /** A serving thread's transaction in progress, and its buffers. */
  private static final class Current {
    final RpcMessage request = new RpcMessage();
    final TransactionTable.Entry[] out = new TransactionTable.Entry[1];
    final ByteBuffer control = ByteBuffer.allocate(RpcHeader.HEADERS);
    boolean active;
    long client;
    int tid;
    TransactionTable.Entry entry;
  }

  /** A new request received by the keeper, already EXECUTING in the table. */
  private record Admitted(Message message, long client, int tid, TransactionTable.Entry entry) {}

  RpcServer(Rpc rpc, Port getPort, long instance) {
    if (getPort.isNull()) {
      throw new IllegalArgumentException("the null port cannot be served");
    }
    this.rpc = rpc;
    this.getPort = getPort;
    this.instance = instance;
    this.stats = rpc.stats();
    RpcConfig c = rpc.config();
    this.table = new TransactionTable(c.tableCapacity(), c.tableTtlNanos(), rpc.clock(), stats);
    this.maxMessageBytes = rpc.box().config().maxMessageBytes();
    this.endpoint = rpc.box().open(FlipAddress.ofPort(getPort.value()));
    this.lastExitNanos = rpc.clock().getAsLong();
    this.keeper = new Thread(this::keep, "rpc-keeper-" + getPort.putPort());
    keeper.setDaemon(true);
    keeper.start();
  }

  /**
   * For a stand-in only: no endpoint, no table, no keeper. The subclass must override every
   * public method; the ones it does not reach this class's fields, which are null here.
   */
  protected RpcServer() {
    this.rpc = null;
    this.getPort = null;
    this.instance = 0;
    this.stats = null;
    this.table = null;
    this.maxMessageBytes = 0;
    this.endpoint = null;
    this.keeper = null;
  }

  /**
   * The transactions this server replied to (see {@link TransactionTable#export}), for its next
   * incarnation after a move. Take it once this server executes nothing more (its process is
   * stunned): a reply stored later would be missing there.
   */
  public byte[] exportTable() {
    return table.export();
  }

  void adoptTable(byte[] exported) {
    table.adopt(exported);
  }

  /** Whether {@link #close} was called (a migration moves open servers only). */
  public boolean isClosed() {
    return closed;
  }

  /** The put-port clients call. */
  public Port putPort() {
    return getPort.putPort();
  }

  /** This instance's id, random and never 0. */
  public long instance() {
    return instance;
  }

  /** Clients remembered for at-most-once right now. */
  public int tableSize() {
    return table.size();
  }

  /**
   * Waits up to {@code timeoutNanos} for a new request on this port.
   *
   * @return this thread's request object (header, data, and the transaction to answer with
   *     {@link #putrep}), or null on timeout or once closed
   * @throws IllegalStateException if this thread has a request it has not answered yet
   */
  public RpcMessage getreq(long timeoutNanos) {
    Current c = current.get();
    if (c.active) {
      throw new IllegalStateException("putrep the current request before the next getreq");
    }
    long deadline = rpc.clock().getAsLong() + timeoutNanos;
    waiting.incrementAndGet();
    try {
      while (true) {
        Admitted a = handoff.poll();
        if (a != null) {
          c.client = a.client();
          c.tid = a.tid();
          c.entry = a.entry();
          ByteBuffer p = a.message().payload();
          return take(c, p, p.position(), p.remaining(), a.message());
        }
        long remaining = deadline - rpc.clock().getAsLong();
        if (remaining <= 0 || closed) {
          return null;
        }
        if (receivers.get() > 0) {
          // Someone listens already. Joining FLIP's followers would cost a cross-thread wake
          // per request (each leader promotes a follower as it leaves); stand by instead, to
          // be woken when requests queue up or run concurrently, or after a slice at most.
          Thread me = Thread.currentThread();
          standby.addFirst(me);
          if (receivers.get() > 0 && handoff.isEmpty()) {
            LockSupport.parkNanos(this, Math.min(remaining, STANDBY_SLICE_NANOS));
          }
          standby.remove(me);
          continue;
        }
        receivers.incrementAndGet();
        Message m;
        try {
          m = endpoint.receive(remaining);
        } finally {
          receivers.decrementAndGet();
        }
        if (m == null) {
          if (endpoint.isClosed()) {
            return null; // closed here, or the whole box was
          }
          continue;
        }
        ByteBuffer p = m.payload();
        int at = p.position();
        int length = p.remaining();
        if (handle(m, c)) {
          if (endpoint.pending() > 0 || executing.get() > 0) {
            wakeStandby(); // work is queued or runs long: let another thread listen
          }
          return take(c, p, at, length, m);
        }
      }
    } finally {
      waiting.decrementAndGet();
      lastExitNanos = rpc.clock().getAsLong();
    }
  }

  private void wakeStandby() {
    Thread t = standby.pollFirst();
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  private RpcMessage take(Current c, ByteBuffer p, int at, int length, Message m) {
    c.request.readFrom(p, at, length, m);
    c.active = true;
    executing.incrementAndGet();
    stats.increment(RpcCounter.REQUESTS_EXECUTED);
    return c.request;
  }

  /**
   * Answers this thread's current request with {@code reply} (header fields and data). The
   * reply is stored for duplicates until the client's next transaction. The request's data
   * is released afterwards, so {@code reply} may carry (a view of) it.
   *
   * @throws IllegalStateException if this thread has no request to answer
   */
  public void putrep(RpcMessage reply) {
    Current c = current.get();
    if (!c.active) {
      throw new IllegalStateException("no request to answer: getreq first");
    }
    c.active = false;
    executing.decrementAndGet();
    TransactionTable.Entry e = c.entry;
    c.entry = null;
    int length = RpcHeader.HEADERS + reply.dataLength();
    boolean tooLong = length > maxMessageBytes;
    if (tooLong) {
      length = RpcHeader.HEADERS;
    }
    synchronized (e) {
      if (e.tid != c.tid || e.state != TransactionTable.EXECUTING) {
        stats.increment(RpcCounter.LATE_REPLY_DROPS); // the client has moved on
      } else {
        ByteBuffer b = e.replyBuffer(length);
        RpcHeader.write(b, 0, RpcType.REPLY, 0, c.tid, instance);
        reply.writeHeader(b, RpcHeader.LENGTH);
        if (tooLong) {
          AmoebaHeader.command(b, RpcHeader.LENGTH, ErrorCode.OVERFLOW.code());
        } else {
          ByteBuffer d = reply.data();
          b.put(RpcHeader.HEADERS, d, d.position(), d.remaining());
        }
        table.replied(e);
        endpoint.send(c.client, b);
        stats.increment(RpcCounter.REPLIES_SENT);
      }
    }
    c.request.release();
  }

  /**
   * Handles one received message. Returns true for a new request, which the caller runs
   * ({@code c} then names its transaction and the message is not released); false when the
   * message was protocol traffic, answered and released here. Never throws for any bytes.
   */
  private boolean handle(Message m, Current c) {
    ByteBuffer p = m.payload();
    int at = p.position();
    int length = p.remaining();
    if (RpcHeader.check(p, at, length) != null) {
      stats.increment(RpcCounter.MALFORMED_DROPS);
      m.release();
      return false;
    }
    long src = m.source();
    int tid = RpcHeader.tid(p, at);
    long named = RpcHeader.instance(p, at);
    RpcType type = RpcHeader.type(p, at);
    if (type == RpcType.WAKE) {
      m.release(); // whoever reads it has looked at the hand-off queue already, or will
      return false;
    }
    if (type == RpcType.IDENTIFY) {
      m.release();
      control(c, src, RpcType.IDENTITY, 0, tid, ErrorCode.OK);
      return false;
    }
    if (type != RpcType.REQUEST && type != RpcType.ENQUIRE) {
      stats.increment(RpcCounter.UNEXPECTED_DROPS);
      m.release();
      return false;
    }
    if (named != instance) {
      // Named for another instance (a replica, or before this server moved or restarted).
      // A first send reached nobody else: refuse, not executed, so the client may identify
      // us and send again. A retransmission or an ENQUIRE may have reached that instance:
      // executing here could run it twice, so the call fails instead.
      int flags = RpcHeader.flags(p, at);
      boolean first = type == RpcType.REQUEST && (flags & RpcHeader.FLAG_RETRANSMISSION) == 0;
      m.release();
      control(c, src, RpcType.NAK, (flags & 0xFF00) | RpcHeader.FLAG_OTHER_INSTANCE, tid,
          first ? ErrorCode.TRYAGAIN : ErrorCode.FAILURE);
      return false;
    }
    if (type == RpcType.REQUEST) {
      switch (table.onRequest(src, tid, c.out)) {
        case EXECUTE -> {
          c.client = src;
          c.tid = tid;
          c.entry = c.out[0];
          c.out[0] = null;
          return true;
        }
        case DUPLICATE_EXECUTING -> {
          stats.increment(RpcCounter.DUPLICATES_ACKED);
          control(c, src, RpcType.ACK, 0, tid, ErrorCode.OK);
        }
        case DUPLICATE_REPLIED -> resend(c, c.out[0], src, tid);
        case OLD -> stats.increment(RpcCounter.OLD_REQUEST_DROPS);
        case FULL -> control(c, src, RpcType.NAK, 0, tid, ErrorCode.TRYAGAIN);
      }
      c.out[0] = null;
      m.release();
      return false;
    }
    m.release();
    TransactionTable.Entry e = table.get(src);
    if (e == null) {
      control(c, src, RpcType.NAK, 0, tid, ErrorCode.FAILURE);
      return false;
    }
    synchronized (e) {
      if (e.tid == tid && e.state == TransactionTable.EXECUTING) {
        stats.increment(RpcCounter.ALIVES_SENT);
        control(c, src, RpcType.ALIVE, 0, tid, ErrorCode.OK);
        return false;
      }
    }
    resend(c, e, src, tid);
    return false;
  }

  /** Sends the stored reply of {@code tid} again, or NAK(FAILURE) if it is not stored. */
  private void resend(Current c, TransactionTable.Entry e, long src, int tid) {
    synchronized (e) {
      if (e.tid == tid && e.state == TransactionTable.REPLIED && e.reply != null) {
        long now = rpc.clock().getAsLong();
        // Duplicates of a big request arrive while its big reply is still on its way: resend
        // it no faster than it can be sent, or the resends crowd out the first copy.
        long pace = rpc.config().minRetransmitNanos() + RpcConfig.transferNanos(e.reply.limit());
        if (now - e.sentNanos < pace) {
          stats.increment(RpcCounter.RESENDS_PACED);
          return;
        }
        e.sentNanos = now;
        stats.increment(RpcCounter.REPLIES_RESENT);
        e.reply.position(0);
        endpoint.send(src, e.reply);
        return;
      }
    }
    control(c, src, RpcType.NAK, 0, tid, ErrorCode.FAILURE);
  }

  /** A header-only message: ACK, ALIVE or NAK with a status. */
  private void control(Current c, long dst, RpcType type, int flags, int tid, ErrorCode status) {
    if (type == RpcType.NAK) {
      stats.increment(RpcCounter.NAKS_SENT);
    }
    ByteBuffer b = c.control;
    b.clear();
    RpcHeader.write(b, 0, type, flags, tid, instance);
    AmoebaHeader.write(b, RpcHeader.LENGTH, getPort.putPort().value(), 0, 0, 0, 0,
        status.code(), 0, 0, 0);
    endpoint.send(dst, b);
  }

  /** The keeper: stands in for getreq while no thread waits there (see class comment). */
  private void keep() {
    Current c = current.get();
    long grace = rpc.config().keeperGraceNanos();
    ByteBuffer wake = ByteBuffer.allocate(RpcHeader.HEADERS);
    RpcHeader.write(wake, 0, RpcType.WAKE, 0, 0, 0);
    while (!closed && !endpoint.isClosed()) {
      LockSupport.parkNanos(this, grace);
      try {
        table.expire();
        while (!closed && !endpoint.isClosed() && waiting.get() == 0 && rpc.clock().getAsLong() - lastExitNanos >= grace) {
          Message m = endpoint.receive(grace);
          if (m != null && handle(m, c)) {
            handoff.add(new Admitted(m, c.client, c.tid, c.entry));
            c.entry = null;
            stats.increment(RpcCounter.KEEPER_HANDOFFS);
            wake.position(0);
            endpoint.send(endpoint.address(), wake); // a getreq blocked in receive looks again
            wakeStandby();
          }
        }
      } catch (RuntimeException e) {
        org.tinylog.Logger.error(e, "RPC keeper of {} failed", getPort.putPort());
      }
    }
  }

  /** Stops serving: the endpoint closes (waiting getreq calls return null). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    LockSupport.unpark(keeper);
    try {
      keeper.join(1000); // it stops admitting after its current receive (the keeper grace)
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Requests the keeper admitted that no getreq took were never executed. Refuse them as
    // another instance would (NAK TRYAGAIN with OTHER_INSTANCE, echoing the send number): a
    // client that has no ACK yet then identifies whoever serves the port now (a server that
    // moved) and resends under a fresh id, instead of failing after all its resends.
    // Messages still in the endpoint's inbox get the same treatment (duplicates of replied
    // requests still get their stored reply), so none is dropped silently at the close.
    // Duplicates of a refused transaction are refused too (not ACKed as executing).
    Current c = current.get();
    java.util.Set<Long> refused = new java.util.HashSet<>();
    for (Admitted a; (a = handoff.poll()) != null; ) {
      refused.add(a.client() * 31 + a.tid());
      refuseUnexecuted(c, a.message(), a.client(), a.tid());
    }
    if (!c.active) {
      for (Message m; (m = endpoint.receive(0)) != null; ) {
        ByteBuffer p = m.payload();
        int at = p.position();
        if (RpcHeader.check(p, at, p.remaining()) == null
            && RpcHeader.type(p, at) == RpcType.REQUEST
            && refused.contains(m.source() * 31 + RpcHeader.tid(p, at))) {
          refuseUnexecuted(c, m, m.source(), RpcHeader.tid(p, at));
        } else if (handle(m, c)) {
          c.entry = null;
          refused.add(c.client * 31 + c.tid);
          refuseUnexecuted(c, m, c.client, c.tid);
        }
      }
    }
    endpoint.close();
    for (Thread t : standby) {
      LockSupport.unpark(t);
    }
    rpc.closed(this);
  }

  private void refuseUnexecuted(Current c, Message m, long client, int tid) {
    ByteBuffer p = m.payload();
    int flags = RpcHeader.flags(p, p.position());
    m.release();
    control(c, client, RpcType.NAK, (flags & 0xFF00) | RpcHeader.FLAG_OTHER_INSTANCE, tid,
        ErrorCode.TRYAGAIN);
  }

  @Override
  public String toString() {
    return "RpcServer[" + getPort.putPort() + ", instance=" + Long.toHexString(instance) + "]";
  }
}
