package amoeba.servers.coord.peer;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.Wire;
import amoeba.servers.coord.CoordCommand;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Messages from one coordination participant to its peers: each protocol message is one RPC
 * transaction to the peer's "coord" server (the RPC layer retransmits and suppresses
 * duplicates; its reply is the acknowledgement). Sends are asynchronous, one sender thread and
 * one bounded queue per peer, so messages to a peer arrive in the order they were posted and a
 * dead peer delays nobody else.
 *
 * <p>Outcome of a message, after at most {@link PeerConfig#attempts()} transactions:
 * DELIVERED (the peer's server answered), NOT_DELIVERED (every attempt was NOTFOUND: the peer
 * was never reached, so nothing ran there) or UNKNOWN (some attempt may have reached it:
 * FAILURE, ABORTED). The algorithms only skip a peer on NOT_DELIVERED; a message whose fate is
 * UNKNOWN is treated as possibly received (see TokenRing, RicartAgrawala).
 *
 * <p>Counters: every posted message once per command ({@link #sent}), every further attempt in
 * {@link #retries}. The benchmark's "messages per entry" are the posted protocol messages.
 */
public final class PeerLink implements AutoCloseable {
  /** What happened to a message. */
  public enum Outcome { DELIVERED, NOT_DELIVERED, UNKNOWN }

  /** Called on the peer's sender thread once a message's fate is known. */
  @FunctionalInterface
  public interface Result {
    /**
     * @param status the server's status when DELIVERED, else the last RPC error
     * @param reply a copy of the reply data (empty unless DELIVERED)
     */
    void done(Outcome outcome, int status, byte[] reply);

    Result IGNORE = (o, s, r) -> {};
  }

  /** Trans through whatever RPC the participant has: a board's {@code Rpc} or a process's Ipc. */
  @FunctionalInterface
  public interface Trans {
    RpcMessage trans(RpcMessage request, long timeoutNanos);
  }

  private final String self;
  private final List<String> members;
  private final Function<String, Capability> capabilityOf;
  private final Trans trans;
  private final PeerConfig config;
  private final Map<String, ThreadPoolExecutor> senders = new ConcurrentHashMap<>();
  private final EnumMap<CoordCommand, AtomicLong> sent = new EnumMap<>(CoordCommand.class);
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong overflows = new AtomicLong();
  private final Set<String> suspected = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param self this participant's board name (one of {@code members})
   * @param members every participant, this one included; the ring is their name order
   * @param capabilityOf the owner capability of a participant's "coord" server
   */
  public PeerLink(String self, List<String> members, Function<String, Capability> capabilityOf,
      Trans trans, PeerConfig config) {
    TreeSet<String> sorted = new TreeSet<>(members);
    if (!sorted.contains(self)) {
      throw new IllegalArgumentException(self + " is not among the members " + members);
    }
    this.self = self;
    this.members = List.copyOf(sorted);
    this.capabilityOf = capabilityOf;
    this.trans = trans;
    this.config = config;
    for (CoordCommand c : CoordCommand.values()) {
      sent.put(c, new AtomicLong());
    }
  }

  public String self() {
    return self;
  }

  /** Every participant in name order, this one included. */
  public List<String> members() {
    return members;
  }

  public PeerConfig config() {
    return config;
  }

  /** Sends {@code data} as {@code command} to {@code peer}; returns at once. */
  public void post(String peer, CoordCommand command, Wire.Out data, Result result) {
    sent.get(command).incrementAndGet();
    if (closed) {
      return;
    }
    byte[] bytes = new byte[data.buffer().remaining()];
    data.buffer().get(bytes);
    ThreadPoolExecutor sender = senders.computeIfAbsent(peer, p -> {
      ThreadPoolExecutor e = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
          new LinkedBlockingQueue<>(config.queuePerPeer()), r -> {
            Thread t = new Thread(r, "coord-" + self + "-to-" + p);
            t.setDaemon(true);
            return t;
          });
      return e;
    });
    try {
      sender.execute(() -> deliver(peer, command, bytes, result));
    } catch (RejectedExecutionException full) {
      // Queue full (peer far behind) or closing: the message may as well have been lost.
      overflows.incrementAndGet();
      result.done(Outcome.UNKNOWN, ErrorCode.NOSPACE.code(), new byte[0]);
    }
  }

  private void deliver(String peer, CoordCommand command, byte[] bytes, Result result) {
    boolean maybeReached = false;
    int status = ErrorCode.NOTFOUND.code();
    for (int attempt = 0; attempt < config.attempts() && !closed; attempt++) {
      if (attempt > 0) {
        retries.incrementAndGet();
      }
      RpcMessage request = new RpcMessage().capability(capabilityOf.apply(peer)).command(command.code())
          .data(java.nio.ByteBuffer.wrap(bytes));
      RpcMessage reply = trans.trans(request, config.callTimeoutNanos());
      status = reply.status();
      boolean rpcLevel = status < 0 && status > ErrorCode.CAPBAD.code();
      if (!rpcLevel) {
        byte[] data = new byte[reply.dataLength()];
        reply.data().get(reply.data().position(), data);
        reply.release();
        suspected.remove(peer);
        result.done(Outcome.DELIVERED, status, data);
        return;
      }
      reply.release();
      if (status != ErrorCode.NOTFOUND.code() && status != ErrorCode.TRYAGAIN.code()) {
        maybeReached = true; // FAILURE/ABORTED: it may have run there
      }
    }
    suspected.add(peer);
    result.done(maybeReached ? Outcome.UNKNOWN : Outcome.NOT_DELIVERED, status, new byte[0]);
  }

  /** Whether the last message to {@code peer} failed (cleared by the next delivered one). */
  public boolean suspected(String peer) {
    return suspected.contains(peer);
  }

  /** Protocol messages posted as {@code command} so far. */
  public long sent(CoordCommand command) {
    return sent.get(command).get();
  }

  public long retries() {
    return retries.get();
  }

  public long overflows() {
    return overflows.get();
  }

  @Override
  public void close() {
    closed = true;
    senders.values().forEach(ThreadPoolExecutor::shutdownNow);
  }
}
