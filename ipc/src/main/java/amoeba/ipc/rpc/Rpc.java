package amoeba.ipc.rpc;

import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.flip.Endpoint;
import amoeba.flip.FlipBox;
import amoeba.flip.Message;
import amoeba.flip.wire.FlipAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * RPC over one FLIP box: the client primitive {@link #trans} and the server side ({@link
 * #server} opens a port for {@code getreq}/{@code putrep}). One per board JVM, shared by every
 * thread.
 *
 * <p>Client, per call (docs/architecture.md, "RPC"): locate the put-port if the port cache has
 * it unlocated (NOTFOUND if nobody answers in the locate timeout); send REQUEST and resend it
 * with a doubling timeout (from the port's RTT estimate) until an ACK or the REPLY arrives;
 * after an ACK send ENQUIRE every enquiry interval, each answered by ALIVE or the REPLY; too
 * many sends or missed enquiries is FAILURE, and the port is forgotten and located again on
 * the next call. Every call returns within its timeout.
 *
 * <p>Threads: each calling thread has its own client endpoint (a random FLIP address, so
 * transactions of different threads never mix) and receives its own replies: with FLIP's
 * leader/follower reception the calling thread reads the socket itself, no hand-off.
 */
public final class Rpc implements AutoCloseable {
  /** Calls with larger messages do not feed the RTT estimate: they measure transfer time. */
  private static final int SAMPLE_BYTES = 16 * 1024;

  private final FlipBox box;
  private final RpcConfig config;
  private final LongSupplier clock;
  private final RandomGenerator random;
  private final RpcStats stats = new RpcStats();
  private final PortCache ports = new PortCache();
  private final ThreadLocal<ClientThread> clients = ThreadLocal.withInitial(this::newClient);
  private final List<ClientThread> allClients = new CopyOnWriteArrayList<>();
  private final List<RpcServer> servers = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /**
   * @param clock nanoseconds, {@link System#nanoTime()} scale: FLIP's waits use that clock
   * @param random draws server instance ids; thread-safe (SecureRandom in production)
   */
  public Rpc(FlipBox box, RpcConfig config, LongSupplier clock, RandomGenerator random) {
    this.box = Objects.requireNonNull(box, "box");
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
  }

  public Rpc(FlipBox box, RpcConfig config, RandomGenerator random) {
    this(box, config, System::nanoTime, random);
  }

  public RpcStats stats() {
    return stats;
  }

  public RpcConfig config() {
    return config;
  }

  public FlipBox box() {
    return box;
  }

  LongSupplier clock() {
    return clock;
  }

  // ---- server ------------------------------------------------------------------------------

  /**
   * Starts serving {@code getPort}: clients reach it at {@code getPort.putPort()}. Several
   * boxes may serve the same port; each instance gets its own random instance id.
   */
  public RpcServer server(Port getPort) {
    long instance;
    do {
      instance = random.nextLong();
    } while (instance == 0);
    return server(getPort, instance, null);
  }

  /**
   * Continues a server that moved here (process migration): serves {@code getPort} as the same
   * {@code instance}, with the replied transactions {@code table} ({@link RpcServer#exportTable}
   * of the old incarnation, taken once it executes nothing more; null for none). A client's
   * retransmission of a transaction the old incarnation replied to is then answered with the
   * stored reply here, never executed again.
   *
   * @throws IllegalArgumentException if {@code table} is not an export
   */
  public RpcServer server(Port getPort, long instance, byte[] table) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    if (instance == 0) {
      throw new IllegalArgumentException("instance 0 names no server");
    }
    RpcServer s = new RpcServer(this, getPort, instance);
    if (table != null) {
      try {
        s.adoptTable(table);
      } catch (IllegalArgumentException e) {
        s.close();
        throw e;
      }
    }
    servers.add(s);
    return s;
  }

  void closed(RpcServer s) {
    servers.remove(s);
  }

  // ---- client ------------------------------------------------------------------------------

  /** A calling thread's endpoint, transaction counter and buffers. */
  private static final class ClientThread {
    final Endpoint endpoint;
    final RpcMessage reply = new RpcMessage();
    final ByteBuffer enquiry = ByteBuffer.allocate(RpcHeader.HEADERS);
    ByteBuffer tx = ByteBuffer.allocate(1024);
    int tid;
    long lastPort = -1;
    PortCache.Entry lastEntry;

    ClientThread(Endpoint endpoint, int firstTid) {
      this.endpoint = endpoint;
      this.tid = firstTid;
    }

    ByteBuffer tx(int length) {
      if (tx.capacity() < length) {
        tx = ByteBuffer.allocate(Math.max(length, 2 * tx.capacity()));
      }
      tx.clear().limit(length);
      return tx;
    }
  }

  private ClientThread newClient() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    // A random first id: a new endpoint with a recycled address still starts somewhere fresh.
    ClientThread t = new ClientThread(box.openRandom(), random.nextInt());
    allClients.add(t);
    return t;
  }

  /**
   * One transaction: sends {@code request} (header fields and data; its port is the server's
   * put-port) and waits at most {@code timeoutNanos} for the reply.
   *
   * <p>Never throws for network trouble: the returned reply's status is the server's status,
   * or an RPC-level error with empty data: NOTFOUND (no server located), FAILURE (contact lost
   * or timeout: the request may or may not have run), TRYAGAIN (the server's table was full:
   * not run), BADADDRESS (null port), OVERFLOW (message larger than FLIP carries), ABORTED (the
   * thread was interrupted, or the Rpc or its box closed during the call; may or may not have
   * run).
   *
   * @throws IllegalStateException if this Rpc was closed before the call
   *
   * @return this thread's reply object, valid until the thread's next trans (or its release)
   */
  public RpcMessage trans(RpcMessage request, long timeoutNanos) {
    if (closed) {
      throw new IllegalStateException("this Rpc is closed");
    }
    ClientThread t = clients.get();
    RpcMessage reply = t.reply.clear();
    stats.increment(RpcCounter.CALLS);
    long start = clock.getAsLong();
    long deadline = start + Math.max(0, timeoutNanos);
    long putPort = request.port();
    if (putPort == 0) {
      return reply.status(ErrorCode.BADADDRESS);
    }
    int length = RpcHeader.HEADERS + request.dataLength();
    if (length > box.config().maxMessageBytes()) {
      return reply.status(ErrorCode.OVERFLOW);
    }
    PortCache.Entry port = t.lastPort == putPort ? t.lastEntry : ports.get(putPort);
    t.lastPort = putPort;
    t.lastEntry = port;
    long dst = FlipAddress.ofPort(putPort);
    Endpoint ep = t.endpoint;
    if (!port.located) {
      stats.increment(RpcCounter.LOCATES);
      long wait = Math.min(config.locateTimeoutNanos(), deadline - start);
      if (wait <= 0 || !ep.locate(dst, wait)) {
        stats.increment(RpcCounter.NOTFOUND);
        return reply.status(ErrorCode.NOTFOUND);
      }
      port.located = true;
    }
    int tid = ++t.tid;
    if (tid == 0) {
      tid = ++t.tid; // 0 is never an id
    }
    ByteBuffer tx = t.tx(length);
    RpcHeader.write(tx, 0, RpcType.REQUEST, 0, tid, 0);
    request.writeHeader(tx, RpcHeader.LENGTH);
    ByteBuffer data = request.data();
    tx.put(RpcHeader.HEADERS, data, data.position(), data.remaining());

    // Phase 1 (only while the port's instance is unknown): IDENTIFY until IDENTITY names it.
    // Phase 2: REQUEST naming that instance until ACK or REPLY; after ACK, ENQUIRE.
    long instance = port.instance;
    int sends = 0; // of the current phase's message
    int redirects = 0;
    long refused = 0; // bit k-1: send k of this REQUEST was refused by another instance
    boolean acked = false;
    int missed = 0;
    boolean heard = false; // anything of this transaction came back from the port
    long rto = port.rto(config);
    long allowance = RpcConfig.transferNanos(length); // big requests take time to arrive
    long sentAt = 0;
    long next = clock.getAsLong(); // send at once
    while (true) {
      long now = clock.getAsLong();
      if (Thread.currentThread().isInterrupted()) {
        return reply.status(ErrorCode.ABORTED);
      }
      if (now - deadline >= 0) {
        if (!heard) {
          return lost(reply, port, dst); // silence, as from a board restarted elsewhere
        }
        stats.increment(RpcCounter.FAILURES);
        return reply.status(ErrorCode.FAILURE);
      }
      if (now - next >= 0) {
        if (acked) {
          if (missed >= config.maxMissedEnquiries()) {
            return lost(reply, port, dst);
          }
          control(t, request, dst, RpcType.ENQUIRE, tid, instance);
          missed++;
          stats.increment(RpcCounter.ENQUIRIES_SENT);
          next = now + config.enquiryIntervalNanos();
          continue;
        }
        if (sends >= config.maxRequestSends()) {
          return lost(reply, port, dst);
        }
        if (sends > 0) {
          rto = Math.min(2 * rto, config.maxRetransmitNanos());
        }
        if (instance == 0) {
          control(t, request, dst, RpcType.IDENTIFY, tid, 0);
        } else {
          // The send number rides in the flags' high byte; a NAK echoes it.
          RpcHeader.flags(tx, 0,
              Math.min(sends + 1, 255) << 8 | (sends == 0 ? 0 : RpcHeader.FLAG_RETRANSMISSION));
          RpcHeader.instance(tx, 0, instance);
          tx.position(0);
          ep.send(dst, tx);
          stats.increment(
              sends == 0 ? RpcCounter.REQUESTS_SENT : RpcCounter.REQUEST_RETRANSMISSIONS);
        }
        sentAt = now;
        sends++;
        next = now + rto + (instance == 0 ? 0 : allowance);
        continue;
      }
      Message m = ep.receive(Math.min(next, deadline) - now);
      if (m == null) {
        if (ep.isClosed()) {
          return reply.status(ErrorCode.ABORTED); // Rpc or box closed under the call
        }
        continue;
      }
      ByteBuffer p = m.payload();
      int at = p.position();
      int len = p.remaining();
      if (RpcHeader.check(p, at, len) != null) {
        stats.increment(RpcCounter.MALFORMED_DROPS);
        m.release();
        continue;
      }
      if (RpcHeader.tid(p, at) != tid || m.source() != dst) {
        stats.increment(RpcCounter.STALE_DROPS);
        m.release();
        continue;
      }
      heard = true;
      RpcType type = RpcHeader.type(p, at);
      long from = RpcHeader.instance(p, at);
      if (type == RpcType.NAK) {
        // A refusal is about what we sent, from whichever instance got it.
        int status = AmoebaHeader.command(p, at + RpcHeader.LENGTH);
        boolean other = (RpcHeader.flags(p, at) & RpcHeader.FLAG_OTHER_INSTANCE) != 0;
        m.release();
        stats.increment(RpcCounter.NAKS_RECEIVED);
        if (other && acked && from == instance && status == ErrorCode.TRYAGAIN.code()) {
          // The instance that ACKed refuses the transaction itself: it closed before running
          // it (a server that moved). It can no longer run any send of it, and other
          // instances refuse what they get: every send is accounted for.
          acked = false;
          refused = sends >= 64 ? -1L : (1L << sends) - 1;
        }
        if (other && !acked) {
          // Sends reached another instance (a replica, or the server moved) and were refused
          // unexecuted. Once every send so far is accounted for that way, none can run at the
          // instance we named: identify the one answering now and start over with a fresh id,
          // so refusals of the old sends still in flight are ignored as stale.
          int sendNo = RpcHeader.flags(p, at) >>> 8;
          if (sendNo >= 1 && sendNo <= 64) {
            refused |= 1L << (sendNo - 1);
          }
          if (sends <= 64 && refused == (sends == 64 ? -1L : (1L << sends) - 1)
              && redirects++ < config.maxRequestSends()) {
            tid = ++t.tid;
            if (tid == 0) {
              tid = ++t.tid;
            }
            RpcHeader.write(tx, 0, RpcType.REQUEST, 0, tid, 0);
            instance = 0;
            port.instance = 0;
            sends = 0;
            refused = 0;
            next = clock.getAsLong();
          }
          continue; // otherwise wait: another send may still be answered by the named instance
        }
        if (status == ErrorCode.FAILURE.code()) {
          port.failed(); // that server lost our transaction or is another: look again next time
          box.forget(dst);
        }
        return reply.status(status);
      }
      if (instance == 0) {
        if (type == RpcType.IDENTITY && from != 0) {
          if (sends == 1) {
            port.sample(clock.getAsLong() - sentAt);
          }
          instance = from;
          port.instance = from;
          sends = 0;
          rto = port.rto(config);
          next = clock.getAsLong();
        } else {
          stats.increment(RpcCounter.UNEXPECTED_DROPS);
        }
        m.release();
        continue;
      }
      if (from != instance) {
        stats.increment(RpcCounter.OTHER_INSTANCE_DROPS);
        m.release();
        continue;
      }
      switch (type) {
        case REPLY -> {
          if (sends == 1 && !acked && length <= SAMPLE_BYTES && len <= SAMPLE_BYTES) {
            // Karn: only unambiguous samples; small messages only, so the estimate is latency
            port.sample(clock.getAsLong() - sentAt);
          }
          reply.readFrom(p, at, len, m);
          stats.increment(RpcCounter.CALLS_OK);
          return reply;
        }
        case ACK, ALIVE -> {
          stats.increment(
              type == RpcType.ACK ? RpcCounter.ACKS_RECEIVED : RpcCounter.ALIVES_RECEIVED);
          acked = true;
          missed = 0;
          next = clock.getAsLong() + config.enquiryIntervalNanos();
          m.release();
        }
        default -> {
          stats.increment(RpcCounter.UNEXPECTED_DROPS);
          m.release();
        }
      }
    }
  }

  /** A header-only message (IDENTIFY, ENQUIRE) about {@code request}'s transaction. */
  private void control(
      ClientThread t, RpcMessage request, long dst, RpcType type, int tid, long instance) {
    ByteBuffer q = t.enquiry;
    q.clear();
    RpcHeader.write(q, 0, type, 0, tid, instance);
    request.writeHeader(q, RpcHeader.LENGTH);
    t.endpoint.send(dst, q);
  }

  private RpcMessage lost(RpcMessage reply, PortCache.Entry port, long dst) {
    // Repeated silence: the hint may point at a dead box; locate afresh next time.
    port.failed();
    box.forget(dst);
    stats.increment(RpcCounter.FAILURES);
    return reply.status(ErrorCode.FAILURE);
  }

  /** Closes every server opened here and every client endpoint; the box stays open. */
  @Override
  public void close() {
    closed = true;
    for (RpcServer s : servers) {
      s.close();
    }
    for (ClientThread t : allClients) {
      t.endpoint.close();
    }
  }
}
