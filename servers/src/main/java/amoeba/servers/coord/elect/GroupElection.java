package amoeba.servers.coord.elect;

import amoeba.ipc.group.GroupInfo;
import amoeba.ipc.group.GroupMember;
import amoeba.ipc.group.GroupMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Leader election on the group communication layer (the robust default): every participant is
 * a member of one group, and leadership changes by totally ordered LEADER messages, so every
 * member sees the same changes in the same order.
 *
 * <p>Rule: a member claims leadership (sends LEADER(previous term, its name)) when the leader
 * it knows is no longer in its view and it has the lowest member id of the view. On delivery,
 * a LEADER message takes effect only if its previous term equals the current term (compare
 * and set in the total order): of concurrent claims, the first ordered wins and the others
 * are void for everyone. The new term is the claim's sequence number, so terms increase
 * strictly and every member computes the same one. A member that is not a MEMBER (expelled,
 * resetting) never considers itself leader.
 *
 * <p>Members that join later missed the claims: the leader multicasts ANNOUNCE(term, name)
 * whenever its view's membership changes, and a member whose term is older adopts it (members
 * already at that term ignore it, so it changes nothing for them).
 *
 * <p>Messages: {@code kind u8 (0 CLAIM, 1 ANNOUNCE) | term i64 (CLAIM: the previous term) |
 * name_len u16 | name UTF-8}.
 */
public final class GroupElection implements AutoCloseable {
  private static final int CLAIM = 0;
  private static final int ANNOUNCE = 1;
  private static final int HEADER = 11;

  private final GroupMember member;
  private final String self;
  private final long pollNanos;
  private final AtomicLong claims = new AtomicLong();
  private Leadership current = Leadership.NONE;
  private int leaderMemberId = -1;
  private long claimedAtTerm = -1;
  private java.util.Set<Integer> announcedTo = java.util.Set.of();
  private volatile boolean closed;
  private Thread driver;

  /** @param pollNanos how often the view is checked when nothing is delivered */
  public GroupElection(GroupMember member, String self, long pollNanos) {
    this.member = member;
    this.self = self;
    this.pollNanos = pollNanos;
  }

  /** Starts the member's delivery thread. */
  public GroupElection start() {
    driver = new Thread(this::run, "group-election-" + self);
    driver.setDaemon(true);
    driver.start();
    return this;
  }

  private void run() {
    while (!closed) {
      GroupMessage m;
      try {
        m = member.receive(pollNanos);
      } catch (IllegalStateException gone) {
        return; // closed or failed
      }
      if (m != null) {
        deliver(m);
      }
      maybeClaim();
    }
  }

  private synchronized void deliver(GroupMessage m) {
    ByteBuffer b = ByteBuffer.wrap(m.data());
    if (b.remaining() < HEADER) {
      return;
    }
    int kind = b.get();
    long term = b.getLong();
    int len = b.getShort() & 0xFFFF;
    if (len > b.remaining()) {
      return;
    }
    String name = new String(m.data(), HEADER, len, StandardCharsets.UTF_8);
    if (kind == CLAIM && term == current.term()) {
      current = new Leadership(name, m.seq());
      leaderMemberId = m.senderId();
      notifyAll();
    } else if (kind == ANNOUNCE && term > current.term()) {
      current = new Leadership(name, term);
      leaderMemberId = m.senderId();
      notifyAll();
    }
  }

  private boolean send(int kind, long term) {
    byte[] name = self.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(HEADER + name.length).put((byte) kind).putLong(term)
        .putShort((short) name.length).put(name);
    try {
      member.send(b.array(), pollNanos * 10);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private void maybeClaim() {
    GroupInfo info = member.info();
    if (info.state() != GroupMember.State.MEMBER || info.members().isEmpty()) {
      return;
    }
    long prev;
    synchronized (this) {
      if (current.leader().equals(self) && !info.members().keySet().equals(announcedTo)) {
        announcedTo = java.util.Set.copyOf(info.members().keySet());
        long term = current.term();
        if (!send(ANNOUNCE, term)) {
          announcedTo = java.util.Set.of();
        }
        return;
      }
      boolean leaderGone = leaderMemberId < 0 || !info.members().containsKey(leaderMemberId);
      if (!leaderGone || info.members().firstKey() != info.memberId() || claimedAtTerm == current.term()) {
        return;
      }
      prev = current.term();
      claimedAtTerm = prev; // one claim per term; a void claim is not repeated for it
    }
    if (send(CLAIM, prev)) {
      claims.incrementAndGet();
    } else {
      synchronized (this) {
        claimedAtTerm = -1; // not sent: may claim again
      }
    }
  }

  /** Leadership as delivered so far; the leader is "" until the first claim is delivered. */
  public synchronized Leadership leadership() {
    return current;
  }

  /** Whether this member leads now: it sent the current claim and is still a MEMBER. */
  public synchronized boolean leading() {
    return current.leader().equals(self) && member.state() == GroupMember.State.MEMBER;
  }

  /** Waits until leadership differs from {@code seen}, at most {@code timeoutNanos}. */
  public synchronized Leadership awaitChange(Leadership seen, long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    while (current.equals(seen)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      wait(Math.max(1, left / 1_000_000L));
    }
    return current;
  }

  public long claims() {
    return claims.get();
  }

  public GroupMember member() {
    return member;
  }

  @Override
  public void close() {
    closed = true;
    if (driver != null) {
      try {
        driver.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
