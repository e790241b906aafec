package amoeba.kernel;

import amoeba.capabilities.Capability;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.SysCommand;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * A board's failure detector for its peers: every {@code interval} it asks each peer's sys
 * server for INFO (one short trans each); a peer that has not answered for {@code failAfter}
 * is down (a board killed with kill -9 is noticed within failAfter + interval + one call
 * timeout), and up again at its first answer. Changes are logged once and passed to a listener.
 *
 * <p>Unreliable by nature (a slow board looks dead): it informs placement and people; nothing
 * that needs agreement (the directory, groups) relies on it. Cost: peers calls per interval.
 */
public final class PoolWatch implements AutoCloseable {
  /** What this board believes of a peer. {@code lastAnswerNanos} is on the watch's clock. */
  public record Peer(String name, boolean up, long lastAnswerNanos) {}

  private final Rpc rpc;
  private final byte[] poolKey;
  private final String self;
  private final Supplier<List<String>> peers;
  private final long intervalNanos;
  private final long failAfterNanos;
  private final long callTimeoutNanos;
  private final LongSupplier clock;
  private final BiConsumer<String, Boolean> listener;
  private final Map<String, Peer> view = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean closed;

  /**
   * @param peers the pool's boards (this one is skipped); asked again every round
   * @param listener told (name, up) at each change of a peer's state; called on the watch thread
   */
  public PoolWatch(Rpc rpc, byte[] poolKey, String self, Supplier<List<String>> peers,
      long intervalNanos, long failAfterNanos, LongSupplier clock, BiConsumer<String, Boolean> listener) {
    if (intervalNanos <= 0 || failAfterNanos <= 0) {
      throw new IllegalArgumentException("interval and failAfter must be > 0");
    }
    this.rpc = rpc;
    this.poolKey = poolKey;
    this.self = self;
    this.peers = peers;
    this.intervalNanos = intervalNanos;
    this.failAfterNanos = failAfterNanos;
    this.callTimeoutNanos = Math.min(intervalNanos, failAfterNanos);
    this.clock = clock;
    this.listener = listener;
    this.thread = new Thread(this::loop, "pool-watch-" + self);
    thread.setDaemon(true);
  }

  public PoolWatch start() {
    thread.start();
    return this;
  }

  /** One round: ask every peer once and update the view. Public for tests with their own clock. */
  public void round() {
    for (String name : peers.get()) {
      if (name.equals(self) || closed) {
        continue;
      }
      Capability sys = BoardPorts.owner(poolKey, BoardPorts.SYS, name);
      RpcMessage reply = rpc.trans(
          new RpcMessage().capability(sys).command(SysCommand.INFO.code()), callTimeoutNanos);
      long now = clock.getAsLong();
      Peer before = view.get(name);
      Peer after;
      if (reply.ok()) {
        after = new Peer(name, true, now);
      } else if (before == null) { // never heard from: down until it answers
        after = new Peer(name, false, now - failAfterNanos);
      } else {
        after = new Peer(name, before.up() && now - before.lastAnswerNanos() < failAfterNanos,
            before.lastAnswerNanos());
      }
      view.put(name, after);
      if (before == null || before.up() != after.up()) {
        Logger.info("{}: board {} is {}", self, name, after.up() ? "up" : "down");
        listener.accept(name, after.up());
      }
    }
  }

  private void loop() {
    while (!closed) {
      long start = clock.getAsLong();
      try {
        round();
      } catch (RuntimeException e) {
        if (!closed) {
          Logger.warn(e, "{}: pool watch round failed", self);
        }
      }
      long sleep = intervalNanos - (clock.getAsLong() - start);
      if (sleep > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(sleep);
      }
    }
  }

  /** Peers as this board sees them, by name (sorted), with the time since their last answer. */
  public Map<String, String> report() {
    long now = clock.getAsLong();
    List<String> names = new ArrayList<>(view.keySet());
    names.sort(null);
    Map<String, String> m = new LinkedHashMap<>();
    for (String n : names) {
      Peer p = view.get(n);
      m.put(n, (p.up() ? "up " : "down ") + (now - p.lastAnswerNanos()) / 1_000_000L);
    }
    return m;
  }

  public Peer peer(String name) {
    return view.get(name);
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
