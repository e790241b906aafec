package amoeba.servers.coord.elect;

import amoeba.kernel.server.Wire;
import amoeba.servers.coord.CoordCommand;
import amoeba.servers.coord.peer.PeerLink;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Garcia-Molina's Bully election among the participants of a {@link PeerLink}; a participant's
 * id is its position in name order (1..n), so the last name has the highest id.
 *
 * <ul>
 *   <li>An election: ELECTION to every higher id (its RPC reply is the OK). Any OK: wait {@link
 *       PeerConfig#electionNanos} for a COORDINATOR, else start again. No OK (all higher are
 *       gone): this participant leads, and sends COORDINATOR(term) to every other one.</li>
 *   <li>ELECTION from a lower id: answer OK and hold an election of our own.</li>
 *   <li>COORDINATOR(id, term): accepted if term is newer than ours (ties: the higher id); a
 *       COORDINATOR from a lower id than ours makes us hold an election (we bully it). A
 *       receiver that knows a newer term answers NOTNOW with it; the new leader then announces
 *       again above it. So terms only grow, and a returning higher id takes over.</li>
 *   <li>Followers PING the leader every {@link PeerConfig#heartbeatNanos}; an undelivered ping
 *       starts an election.</li>
 * </ul>
 *
 * <p>Elections run on a thread of their own ({@link #elect} returns at once); at most one at a
 * time per participant.
 */
public final class Bully implements AutoCloseable {
  private final PeerLink link;
  private final String group;
  private final LongSupplier clock;
  private final int myId;
  private final AtomicBoolean electing = new AtomicBoolean();
  private final AtomicLong elections = new AtomicLong();
  private Leadership current = Leadership.NONE;
  private CountDownLatch coordinatorSeen = new CountDownLatch(1);
  private long lastHeartbeatNanos;
  private volatile boolean closed;

  /** {@code link.config()} supplies the timers (see PeerConfig). */
  public Bully(PeerLink link, String group, LongSupplier clock) {
    this.link = link;
    this.group = group;
    this.clock = clock;
    this.myId = idOf(link.self());
  }

  private int idOf(String name) {
    return link.members().indexOf(name) + 1;
  }

  public synchronized Leadership leadership() {
    return current;
  }

  /** Starts an election unless one is running; returns at once. */
  public void elect() {
    if (closed || !electing.compareAndSet(false, true)) {
      return;
    }
    elections.incrementAndGet();
    Thread t = new Thread(() -> {
      try {
        while (!closed && !runElection()) {
          // an OK came but no COORDINATOR: again
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        electing.set(false);
      }
    }, "bully-" + link.self());
    t.setDaemon(true);
    t.start();
  }

  /** One round; true once a leader is known (us, or the one whose COORDINATOR came). */
  private boolean runElection() throws InterruptedException {
    CountDownLatch seen;
    synchronized (this) {
      seen = coordinatorSeen = new CountDownLatch(1);
    }
    List<String> higher = link.members().subList(myId, link.members().size());
    CountDownLatch answered = new CountDownLatch(higher.size());
    AtomicBoolean ok = new AtomicBoolean();
    for (String h : higher) {
      link.post(h, CoordCommand.ELECTION, new Wire.Out().str(group).i32(myId), (outcome, status, reply) -> {
        if (outcome == PeerLink.Outcome.DELIVERED && status == 0) {
          ok.set(true);
        }
        answered.countDown();
      });
    }
    answered.await(link.config().electionNanos(), TimeUnit.NANOSECONDS);
    if (ok.get()) {
      return seen.await(link.config().electionNanos(), TimeUnit.NANOSECONDS);
    }
    announce();
    return true;
  }

  /** We lead: COORDINATOR to every other participant, above any newer term they report. */
  private void announce() throws InterruptedException {
    for (int round = 0; round < 3 && !closed; round++) {
      long term;
      synchronized (this) {
        term = current.term() + 1;
        current = new Leadership(link.self(), term);
        coordinatorSeen.countDown();
      }
      List<String> others = link.members().stream().filter(m -> !m.equals(link.self())).toList();
      CountDownLatch done = new CountDownLatch(others.size());
      AtomicLong newer = new AtomicLong(-1);
      for (String o : others) {
        link.post(o, CoordCommand.COORDINATOR,
            new Wire.Out().str(group).i32(myId).str(link.self()).i64(term), (outcome, status, reply) -> {
              if (outcome == PeerLink.Outcome.DELIVERED && status != 0 && reply.length >= 8) {
                newer.accumulateAndGet(ByteBuffer.wrap(reply).getLong(), Math::max);
              }
              done.countDown();
            });
      }
      done.await(link.config().electionNanos(), TimeUnit.NANOSECONDS);
      synchronized (this) {
        if (newer.get() < term || !current.leader().equals(link.self())) {
          return;
        }
        // Someone knew a newer term: announce again above it (a returning higher id).
        current = new Leadership(link.self(), newer.get());
      }
    }
  }

  /** ELECTION from a lower id: the RPC reply (OK, our term) is the Bully OK. */
  public Wire.Out onElection(int fromId) {
    if (fromId < myId) {
      elect();
    }
    synchronized (this) {
      return new Wire.Out().i64(current.term());
    }
  }

  /**
   * COORDINATOR from {@code leader}.
   *
   * @return false if ours is newer (the server answers NOTNOW with our term)
   */
  public synchronized boolean onCoordinator(int leaderId, String leader, long term) {
    int currentId = idOf(current.leader());
    if (term < current.term() || (term == current.term() && leaderId < currentId)) {
      return false;
    }
    current = new Leadership(leader, term);
    lastHeartbeatNanos = clock.getAsLong();
    coordinatorSeen.countDown();
    if (leaderId < myId) {
      elect(); // we outrank it: bully
    }
    return true;
  }

  /** The timer: followers check their leader is alive. */
  public void tick() {
    String leader;
    synchronized (this) {
      long now = clock.getAsLong();
      if (now - lastHeartbeatNanos < link.config().heartbeatNanos()) {
        return;
      }
      lastHeartbeatNanos = now;
      leader = current.leader();
    }
    if (leader.isEmpty()) {
      elect();
    } else if (!leader.equals(link.self())) {
      link.post(leader, CoordCommand.PING, new Wire.Out().str(link.self()), (outcome, status, reply) -> {
        if (outcome != PeerLink.Outcome.DELIVERED) {
          elect();
        }
      });
    }
  }

  /** Elections this participant started. */
  public long elections() {
    return elections.get();
  }

  public long messages() {
    return link.sent(CoordCommand.ELECTION) + link.sent(CoordCommand.COORDINATOR);
  }

  public String group() {
    return group;
  }

  @Override
  public void close() {
    closed = true;
  }
}
