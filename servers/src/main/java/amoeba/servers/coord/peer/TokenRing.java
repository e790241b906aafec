package amoeba.servers.coord.peer;

import amoeba.kernel.server.Wire;
import amoeba.servers.coord.Algorithm;
import amoeba.servers.coord.CoordCommand;
import amoeba.servers.coord.Grant;
import amoeba.servers.coord.LockStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Token-ring mutual exclusion over the participants in name order, one token per lock name.
 * A participant enters its critical section only while it holds the token; on release (or,
 * when it does not want the token, after {@link PeerConfig#idleHoldNanos}) it passes the token
 * to the next participant. A pass whose every attempt was NOTFOUND skips that participant; a
 * pass of unknown fate drops the token (passing it elsewhere could make two).
 *
 * <p><b>Labels and the one-token rule.</b> A token carries a label (generation, creator); every
 * participant remembers the highest label it has approved and drops any token or claim with a
 * lower one. A participant that wants the token and has not seen it for {@link
 * PeerConfig#tokenLossNanos} (or has never seen one: that is how the first token is made) sends
 * a CLAIM labelled (its highest generation + 1, itself) around the ring. A participant
 * <ul>
 *   <li>holding the token (idle or in its critical section) absorbs a higher claim: the token
 *       takes the claim's label and the claim ends there;</li>
 *   <li>otherwise approves a higher claim and forwards it, and drops a lower or equal one;</li>
 *   <li>that receives its own claim back, still its highest approved label, creates the token
 *       with that label.</li>
 * </ul>
 * A claim completes only after every reachable participant approved it, so any older token in
 * flight or arriving later is dropped wherever it goes; two concurrent claims cannot both
 * complete (the lower dies at the higher's creator, which approved its own first). Hence at
 * most one token per label, and no token with an older label survives a completed claim.
 * Participants skipped as unreachable are the one exception: a participant cut off by a
 * partition may still hold the old token while the others regenerate; when it is reachable
 * again its token is dropped at the first participant it reaches, and the fences below make a
 * guarded resource refuse it meanwhile.
 *
 * <p><b>Fences.</b> fence = max(last fence + 1, generation &lt;&lt; 40): strictly increasing
 * along the token's path and higher in every newer generation.
 *
 * <p>Thread-safety: one monitor guards all state; messages go out through {@link PeerLink}.
 */
public final class TokenRing {
  private static final int FENCE_GENERATION_SHIFT = 40;

  private record Label(long gen, String creator) implements Comparable<Label> {
    static final Label NONE = new Label(0, "");

    @Override
    public int compareTo(Label o) {
      int c = Long.compare(gen, o.gen);
      return c != 0 ? c : creator.compareTo(o.creator);
    }
  }

  private static final class Token {
    Label label;
    long fence;
    long hops;

    Token(Label label, long fence, long hops) {
      this.label = label;
      this.fence = fence;
      this.hops = hops;
    }
  }

  private static final class State {
    Label approved = Label.NONE;
    Label created = Label.NONE; // the last claim of ours that completed
    Label lastAcceptedLabel = Label.NONE;
    long lastAcceptedHops = -1;
    Token token; // held: idle, in the critical section or in transit
    boolean inTransit;
    boolean inCs;
    long fence; // of the current/last grant here
    boolean wanting;
    long lastSeenNanos;
    long idleSinceNanos;
  }

  private final PeerLink link;
  private final LongSupplier clock;
  private final Map<String, State> states = new HashMap<>();
  private final AtomicLong entries = new AtomicLong();
  private final AtomicLong staleDropped = new AtomicLong();
  private final AtomicLong tokensDropped = new AtomicLong();
  private final AtomicLong regenerations = new AtomicLong();
  private final AtomicLong conflicts = new AtomicLong();

  public TokenRing(PeerLink link, LongSupplier clock) {
    this.link = link;
    this.clock = clock;
  }

  private State state(String name) {
    return states.computeIfAbsent(name, n -> {
      State s = new State();
      s.lastSeenNanos = clock.getAsLong();
      return s;
    });
  }

  /**
   * Waits for the token of {@code name}, at most {@code timeoutNanos}. One local acquirer per
   * name at a time (callers serialize, e.g. {@code CoordNode}).
   */
  public synchronized Optional<Grant> acquire(String name, long timeoutNanos) throws InterruptedException {
    State s = state(name);
    s.wanting = true;
    if (s.approved.equals(Label.NONE) && s.token == null) {
      startClaim(name, s); // no token was ever seen: make the first one
    }
    long deadline = System.nanoTime() + timeoutNanos;
    try {
      while (true) {
        if (s.token != null && !s.inTransit && !s.inCs) {
          grant(s);
          return Optional.of(new Grant(name, s.fence, Algorithm.RING));
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          s.wanting = false;
          return Optional.empty();
        }
        wait(Math.max(1, left / 1_000_000L));
      }
    } catch (InterruptedException e) {
      s.wanting = false;
      throw e;
    }
  }

  private void grant(State s) {
    s.wanting = false;
    s.inCs = true;
    s.token.fence = Math.max(s.token.fence + 1, s.token.label.gen << FENCE_GENERATION_SHIFT);
    s.fence = s.token.fence;
    entries.incrementAndGet();
  }

  /** Ends the critical section of {@code grant} and passes the token on. */
  public synchronized void release(Grant grant) {
    State s = states.get(grant.name());
    if (s == null || !s.inCs || s.fence != grant.fence()) {
      return; // not (or no longer) ours
    }
    s.inCs = false;
    pass(grant.name(), s);
  }

  /** The next participant after this one in name order that is not suspected; null if alone. */
  private String successor(String from) {
    List<String> m = link.members();
    int i = m.indexOf(from);
    for (int k = 1; k < m.size(); k++) {
      String p = m.get((i + k) % m.size());
      if (p.equals(link.self())) {
        return null;
      }
      if (!link.suspected(p)) {
        return p;
      }
    }
    return null;
  }

  private void pass(String name, State s) {
    passTo(name, s, successor(link.self()));
  }

  private void passTo(String name, State s, String next) {
    if (next == null) {
      s.idleSinceNanos = clock.getAsLong(); // alone: keep the token
      notifyAll();
      return;
    }
    Token t = s.token;
    s.inTransit = true;
    Wire.Out out = new Wire.Out().str(name).i64(t.label.gen).str(t.label.creator).i64(t.fence).i64(t.hops + 1);
    link.post(next, CoordCommand.RING_TOKEN, out, (outcome, status, reply) -> passed(name, t, next, outcome));
  }

  private synchronized void passed(String name, Token t, String to, PeerLink.Outcome outcome) {
    State s = state(name);
    if (s.token != t) {
      return;
    }
    switch (outcome) {
      case DELIVERED -> {
        s.token = null;
        s.inTransit = false;
      }
      case NOT_DELIVERED -> {
        // Never reached: still ours, unless a newer label was approved meanwhile.
        s.inTransit = false;
        if (t.label.compareTo(s.approved) < 0) {
          s.token = null;
          staleDropped.incrementAndGet();
        } else if (s.wanting) {
          notifyAll();
        } else {
          pass(name, s); // the link now suspects "to": the next one gets it
        }
      }
      case UNKNOWN -> {
        // It may have arrived: passing it elsewhere could make two. Regeneration recovers.
        s.token = null;
        s.inTransit = false;
        tokensDropped.incrementAndGet();
      }
    }
  }

  /** RING_TOKEN from a peer. */
  public synchronized void onToken(String name, long gen, String creator, long fence, long hops) {
    State s = state(name);
    Label label = new Label(gen, creator);
    if (label.compareTo(s.approved) < 0) {
      staleDropped.incrementAndGet();
      return;
    }
    if (label.equals(s.lastAcceptedLabel) && hops <= s.lastAcceptedHops) {
      return; // a duplicate of a pass we already had
    }
    if (s.token != null) {
      // Our pass is still awaiting its RPC reply, yet the token came round again: that pass
      // was delivered. Anything else would be a second token: counted (tests assert 0).
      int byLabel = label.compareTo(s.token.label);
      boolean cameRound = s.inTransit && (byLabel > 0 || (byLabel == 0 && hops > s.token.hops));
      if (!cameRound) {
        conflicts.incrementAndGet();
        if (byLabel <= 0) {
          return;
        }
      }
    }
    s.approved = label;
    s.lastAcceptedLabel = label;
    s.lastAcceptedHops = hops;
    s.token = new Token(label, fence, hops);
    s.inTransit = false;
    s.lastSeenNanos = clock.getAsLong();
    s.idleSinceNanos = s.lastSeenNanos;
    if (s.wanting) {
      notifyAll();
    } else if (link.config().idleHoldNanos() == 0) {
      pass(name, s);
    }
  }

  /** RING_CLAIM from a peer. */
  public synchronized void onClaim(String name, long gen, String creator) {
    State s = state(name);
    Label claim = new Label(gen, creator);
    if (s.token != null && !s.inTransit) {
      if (claim.compareTo(s.token.label) > 0) {
        s.token.label = claim; // absorbed: the claim ends here
        s.approved = claim;
      }
      return;
    }
    if (creator.equals(link.self())) {
      if (claim.equals(s.approved) && claim.compareTo(s.created) > 0) {
        s.created = claim;
        regenerations.incrementAndGet();
        s.token = new Token(claim, gen << FENCE_GENERATION_SHIFT, 0);
        s.lastAcceptedLabel = claim;
        s.lastAcceptedHops = 0;
        s.lastSeenNanos = clock.getAsLong();
        s.idleSinceNanos = s.lastSeenNanos;
        notifyAll();
      }
      return;
    }
    if (claim.compareTo(s.approved) <= 0) {
      return;
    }
    s.approved = claim;
    forwardClaim(name, claim, successor(link.self()));
  }

  private void startClaim(String name, State s) {
    Label claim = new Label(s.approved.gen + 1, link.self());
    s.approved = claim;
    s.lastSeenNanos = clock.getAsLong();
    String next = successor(link.self());
    if (next == null) {
      onClaim(name, claim.gen, claim.creator); // alone: the claim has gone round
    } else {
      forwardClaim(name, claim, next);
    }
  }

  private void forwardClaim(String name, Label claim, String next) {
    if (next == null) {
      return;
    }
    Wire.Out out = new Wire.Out().str(name).i64(claim.gen).str(claim.creator);
    link.post(next, CoordCommand.RING_CLAIM, out, (outcome, status, reply) -> {
      if (outcome == PeerLink.Outcome.NOT_DELIVERED) {
        synchronized (this) {
          String after = successor(link.self()); // skips "next", suspected now
          if (after != null) {
            forwardClaim(name, claim, after);
          } else if (claim.creator.equals(link.self())) {
            onClaim(name, claim.gen, claim.creator); // everyone else is gone
          }
        }
      }
      // UNKNOWN: dropped; the creator claims again after the loss timeout.
    });
  }

  /** The timer: idle passes and loss detection. */
  public synchronized void tick() {
    long now = clock.getAsLong();
    states.forEach((name, s) -> {
      if (s.token != null && !s.inTransit && !s.inCs && !s.wanting
          && now - s.idleSinceNanos >= link.config().idleHoldNanos()) {
        pass(name, s);
      } else if (s.token == null && s.wanting && now - s.lastSeenNanos >= link.config().tokenLossNanos()) {
        startClaim(name, s);
      }
    });
  }

  public synchronized LockStatus status(String name) {
    State s = states.get(name);
    if (s == null) {
      return new LockStatus(false, "", 0, -1, 0, messages(), entries.get());
    }
    return new LockStatus(s.inCs, s.inCs ? link.self() : "", s.fence, -1, s.wanting ? 1 : 0,
        messages(), entries.get());
  }

  /** Token passes and claims sent by this participant. */
  public long messages() {
    return link.sent(CoordCommand.RING_TOKEN) + link.sent(CoordCommand.RING_CLAIM);
  }

  public long entries() {
    return entries.get();
  }

  public long regenerations() {
    return regenerations.get();
  }

  /** Tokens dropped because a pass's fate was unknown. */
  public long tokensDropped() {
    return tokensDropped.get();
  }

  public long staleDropped() {
    return staleDropped.get();
  }

  /** A token arrived while one was held: must stay 0. */
  public long conflicts() {
    return conflicts.get();
  }
}
