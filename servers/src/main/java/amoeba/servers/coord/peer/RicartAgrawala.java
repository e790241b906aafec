package amoeba.servers.coord.peer;

import amoeba.kernel.server.Wire;
import amoeba.servers.coord.Algorithm;
import amoeba.servers.coord.CoordCommand;
import amoeba.servers.coord.Grant;
import amoeba.servers.coord.LockStatus;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Ricart-Agrawala mutual exclusion: to enter, a participant stamps a request with its Lamport
 * clock and sends it to every other participant of its set; it enters once all have replied. A
 * participant receiving a request replies at once unless it holds the lock, or wants it with
 * an earlier (timestamp, name); then it defers the reply until its exit. 2(n-1) messages per
 * entry; each reply names the request timestamp it answers, so replies to an older request
 * are ignored.
 *
 * <p><b>Crashes.</b> A peer whose request or reply could not be delivered, or that leaves a
 * probe (PING, every {@link PeerConfig#probeNanos} while its reply is outstanding) undelivered,
 * is removed from the set: nobody waits for it again. A message from a removed peer adds it
 * back; if we are requesting at that moment, it gets our request too and we wait for its reply,
 * so a returning peer cannot slip past us. Removal rests on RPC's failure detection (the call's
 * attempts all failing); a live peer wrongly removed while it is in its critical section would
 * break exclusion, which is why a message must fail {@link PeerConfig#attempts} transactions in
 * a row first.
 *
 * <p><b>Fences.</b> Entries happen in (timestamp, name) order of their requests, so fence =
 * timestamp * 1024 + the participant's index in name order increases with every entry.
 */
public final class RicartAgrawala {
  private enum Phase { RELEASED, WANTED, HELD }

  private static final class State {
    Phase phase = Phase.RELEASED;
    long timestamp;
    final Set<String> awaiting = new HashSet<>();
    final Map<String, Long> deferred = new LinkedHashMap<>(); // peer -> request timestamp
    long requestedAtNanos;
    long lastProbeNanos;
    long fence;
  }

  private final PeerLink link;
  private final LongSupplier clock;
  private final Set<String> peers = new TreeSet<>();
  private final Map<String, State> states = new HashMap<>();
  private final AtomicLong entries = new AtomicLong();
  private final AtomicLong removals = new AtomicLong();
  private long lamport;

  public RicartAgrawala(PeerLink link, LongSupplier clock) {
    this.link = link;
    this.clock = clock;
    for (String m : link.members()) {
      if (!m.equals(link.self())) {
        peers.add(m);
      }
    }
  }

  private State state(String name) {
    return states.computeIfAbsent(name, n -> new State());
  }

  /** Enters the critical section of {@code name}; one local acquirer per name at a time. */
  public synchronized Optional<Grant> acquire(String name, long timeoutNanos) throws InterruptedException {
    State s = state(name);
    s.phase = Phase.WANTED;
    s.timestamp = ++lamport;
    s.awaiting.clear();
    s.awaiting.addAll(peers);
    s.requestedAtNanos = clock.getAsLong();
    s.lastProbeNanos = s.requestedAtNanos;
    for (String p : List.copyOf(peers)) {
      sendRequest(name, s, p);
    }
    long deadline = System.nanoTime() + timeoutNanos;
    try {
      while (!s.awaiting.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          exit(name, s);
          return Optional.empty();
        }
        wait(Math.max(1, left / 1_000_000L));
      }
    } catch (InterruptedException e) {
      exit(name, s);
      throw e;
    }
    s.phase = Phase.HELD;
    s.fence = s.timestamp * 1024 + link.members().indexOf(link.self());
    entries.incrementAndGet();
    return Optional.of(new Grant(name, s.fence, Algorithm.RICART));
  }

  private void sendRequest(String name, State s, String peer) {
    long ts = s.timestamp;
    link.post(peer, CoordCommand.RA_REQUEST, new Wire.Out().str(name).i64(ts).str(link.self()),
        (outcome, status, reply) -> {
          if (outcome != PeerLink.Outcome.DELIVERED) {
            remove(peer);
          }
        });
  }

  private void sendReply(String name, String peer, long requestTimestamp) {
    link.post(peer, CoordCommand.RA_REPLY, new Wire.Out().str(name).i64(requestTimestamp).str(link.self()),
        (outcome, status, reply) -> {
          if (outcome != PeerLink.Outcome.DELIVERED) {
            remove(peer);
          }
        });
  }

  /** Leaves the critical section of {@code grant}: the deferred replies go out. */
  public synchronized void release(Grant grant) {
    State s = states.get(grant.name());
    if (s == null || s.phase != Phase.HELD || s.fence != grant.fence()) {
      return;
    }
    exit(grant.name(), s);
  }

  private void exit(String name, State s) {
    s.phase = Phase.RELEASED;
    s.awaiting.clear();
    s.deferred.forEach((peer, ts) -> sendReply(name, peer, ts));
    s.deferred.clear();
  }

  /** RA_REQUEST from a peer. */
  public synchronized void onRequest(String name, long timestamp, String from) {
    if (!link.members().contains(from) || from.equals(link.self())) {
      return;
    }
    lamport = Math.max(lamport, timestamp) + 1;
    State s = state(name);
    readmit(from);
    boolean theyGoFirst = s.phase == Phase.RELEASED
        || (s.phase == Phase.WANTED
            && (timestamp < s.timestamp || (timestamp == s.timestamp && from.compareTo(link.self()) < 0)));
    if (theyGoFirst) {
      sendReply(name, from, timestamp);
    } else {
      s.deferred.put(from, timestamp);
    }
  }

  /** RA_REPLY from a peer. */
  public synchronized void onReply(String name, long timestamp, String from) {
    State s = states.get(name);
    readmit(from);
    if (s != null && s.phase == Phase.WANTED && s.timestamp == timestamp && s.awaiting.remove(from)) {
      notifyAll();
    }
  }

  /** A peer we had removed speaks again: back in the set, and asked too if we are requesting. */
  private void readmit(String peer) {
    if (peers.add(peer)) {
      states.forEach((name, s) -> {
        if (s.phase == Phase.WANTED) {
          s.awaiting.add(peer);
          sendRequest(name, s, peer);
        }
      });
    }
  }

  private synchronized void remove(String peer) {
    if (!peers.remove(peer)) {
      return;
    }
    removals.incrementAndGet();
    for (State s : states.values()) {
      s.deferred.remove(peer);
      if (s.awaiting.remove(peer)) {
        notifyAll();
      }
    }
  }

  /** The timer: probe peers whose replies are late. */
  public synchronized void tick() {
    long now = clock.getAsLong();
    for (State s : states.values()) {
      if (s.phase == Phase.WANTED && now - s.lastProbeNanos >= link.config().probeNanos()) {
        s.lastProbeNanos = now;
        for (String p : List.copyOf(s.awaiting)) {
          link.post(p, CoordCommand.PING, new Wire.Out().str(link.self()), (outcome, status, reply) -> {
            if (outcome != PeerLink.Outcome.DELIVERED) {
              remove(p);
            }
          });
        }
      }
    }
  }

  public synchronized LockStatus status(String name) {
    State s = states.get(name);
    boolean held = s != null && s.phase == Phase.HELD;
    return new LockStatus(held, held ? link.self() : "", s == null ? 0 : s.fence, -1,
        s != null && s.phase == Phase.WANTED ? 1 : 0, messages(), entries.get());
  }

  /** Requests and replies sent by this participant. */
  public long messages() {
    return link.sent(CoordCommand.RA_REQUEST) + link.sent(CoordCommand.RA_REPLY);
  }

  public long entries() {
    return entries.get();
  }

  /** Peers removed as crashed so far. */
  public long removals() {
    return removals.get();
  }

  public synchronized Set<String> peers() {
    return Set.copyOf(peers);
  }
}
