package amoeba.servers.coord.central;

import amoeba.servers.coord.LockStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The lock server's state: per lock name a holder with a lease and a FIFO queue of waiters.
 * A holder that neither renews nor releases before its lease ends loses the lock to the next
 * waiter. Fences come from one counter for all names, reserved on disk in blocks of {@value
 * #FENCE_BLOCK} (one write per block), so a restarted server continues above every fence it
 * may have handed out.
 *
 * <p>Restart: holders are not written to disk. For the longest lease ever granted after a
 * restart (the grace period, also on disk) nothing is granted; a holder of the previous
 * incarnation that RENEWs meanwhile gets its lock back (the highest fence wins a name). After
 * the grace period every lease of the old incarnation has ended, so nobody else can still hold.
 *
 * <p>Time comes from an injected nanosecond clock; callers wait on this object's monitor.
 */
public final class LockTable {
  static final int FENCE_BLOCK = 1024;
  private static final String FENCE_FILE = "fences";

  /** A queued or holding client. */
  private record Client(long id, String label, long leaseMillis) {}

  private static final class Entry {
    Client holder;
    long fence;
    long leaseEndNanos;
    final ArrayDeque<Client> queue = new ArrayDeque<>();
  }

  /** ACQUIRE's answer. */
  public record Acquired(boolean granted, long fence, int position) {}

  private final Map<String, Entry> locks = new HashMap<>();
  private final LongSupplier clock;
  private final Path storage;
  private long nextFence;
  private long reservedUpTo;
  private long maxLeaseMillis;
  private final long graceEndNanos;
  private long messages;
  private long entries;

  /** @param storage folder for the fence reservation, or null (fences start from the wall clock) */
  public LockTable(LongSupplier clock, Path storage) {
    this.clock = clock;
    this.storage = storage;
    long grace = 0;
    if (storage != null && Files.exists(storage.resolve(FENCE_FILE))) {
      try {
        String[] f = Files.readString(storage.resolve(FENCE_FILE), StandardCharsets.UTF_8).trim().split(" ");
        reservedUpTo = Long.parseLong(f[0]);
        maxLeaseMillis = Long.parseLong(f[1]);
        nextFence = reservedUpTo + 1;
        grace = maxLeaseMillis * 1_000_000L;
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException("unreadable fence file in " + storage + ": " + e.getMessage(), e);
      }
    } else {
      // No record: above any fence a previous incarnation can have given (1,000 per ms at most).
      nextFence = storage == null ? System.currentTimeMillis() * 1000 : 1;
      reservedUpTo = nextFence - 1;
    }
    this.graceEndNanos = clock.getAsLong() + grace;
  }

  private long takeFence(long leaseMillis) {
    long fence = nextFence++;
    if (fence > reservedUpTo || leaseMillis > maxLeaseMillis) {
      maxLeaseMillis = Math.max(maxLeaseMillis, leaseMillis);
      reservedUpTo = Math.max(reservedUpTo, fence + FENCE_BLOCK - 1);
      persist();
    }
    return fence;
  }

  private void persist() {
    if (storage == null) {
      return;
    }
    try {
      Files.createDirectories(storage);
      Path tmp = storage.resolve(FENCE_FILE + ".tmp");
      Files.writeString(tmp, reservedUpTo + " " + maxLeaseMillis + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, storage.resolve(FENCE_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Queues {@code client} for {@code name} (once; asking again keeps the place) and waits at
   * most {@code waitNanos} for the grant. Counts the request and the reply as two messages.
   */
  public synchronized Acquired acquire(String name, long client, String label, long leaseMillis,
      long waitNanos) throws InterruptedException {
    messages += 2;
    Entry e = locks.computeIfAbsent(name, n -> new Entry());
    Client c = new Client(client, label, leaseMillis);
    if (e.holder == null || e.holder.id() != client) {
      boolean queued = false;
      for (Client q : e.queue) {
        queued |= q.id() == client;
      }
      if (!queued) {
        e.queue.add(c);
      }
    }
    long deadline = clock.getAsLong() + waitNanos;
    while (true) {
      expireAndGrant(e);
      if (e.holder != null && e.holder.id() == client) {
        return new Acquired(true, e.fence, 0);
      }
      long left = deadline - clock.getAsLong();
      if (left <= 0) {
        return new Acquired(false, 0, position(e, client));
      }
      wait(Math.max(1, Math.min(left / 1_000_000L, 50)));
    }
  }

  private static int position(Entry e, long client) {
    int i = 1;
    for (Client q : e.queue) {
      if (q.id() == client) {
        return i;
      }
      i++;
    }
    return 0;
  }

  /** Ends an expired lease and grants the head of the queue (after the restart grace). */
  private void expireAndGrant(Entry e) {
    long now = clock.getAsLong();
    if (e.holder != null && now - e.leaseEndNanos >= 0) {
      e.holder = null;
      notifyAll();
    }
    if (e.holder == null && !e.queue.isEmpty() && now - graceEndNanos >= 0) {
      e.holder = e.queue.poll();
      e.fence = takeFence(e.holder.leaseMillis());
      e.leaseEndNanos = now + e.holder.leaseMillis() * 1_000_000L;
      entries++;
      notifyAll();
    }
  }

  /** Releases {@code name} if {@code client} holds it under {@code fence}; one message. */
  public synchronized boolean release(String name, long client, long fence) {
    messages++;
    Entry e = locks.get(name);
    if (e == null || e.holder == null || e.holder.id() != client || e.fence != fence) {
      return false;
    }
    e.holder = null;
    notifyAll();
    return true;
  }

  /**
   * Extends the lease of a current holder; during the restart grace also re-establishes a
   * holder of the previous incarnation (the highest fence wins).
   *
   * @return false if {@code client} does not (or no longer) hold the lock
   */
  public synchronized boolean renew(String name, long client, long fence, long leaseMillis, String label) {
    Entry e = locks.computeIfAbsent(name, n -> new Entry());
    long now = clock.getAsLong();
    if (e.holder != null && e.holder.id() == client && e.fence == fence && now - e.leaseEndNanos < 0) {
      e.leaseEndNanos = now + leaseMillis * 1_000_000L;
      return true;
    }
    boolean inGrace = now - graceEndNanos < 0;
    if (inGrace && fence < nextFence && (e.holder == null || fence > e.fence)) {
      e.holder = new Client(client, label, leaseMillis);
      e.fence = fence;
      e.leaseEndNanos = now + leaseMillis * 1_000_000L;
      return true;
    }
    return false;
  }

  /** Leaves the queue of {@code name}. */
  public synchronized void cancel(String name, long client) {
    Entry e = locks.get(name);
    if (e != null) {
      e.queue.removeIf(q -> q.id() == client);
    }
  }

  /** Expires leases and grants to waiters whose clients are not polling right now. */
  public synchronized void tick() {
    for (Iterator<Map.Entry<String, Entry>> it = locks.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Entry> me = it.next();
      Entry e = me.getValue();
      if (e.holder != null || !e.queue.isEmpty()) {
        expireAndGrant(e);
      } else if (e.fence == 0) {
        it.remove(); // never granted, nobody waiting: forget the name
      }
    }
  }

  public synchronized LockStatus status(String name) {
    Entry e = locks.get(name);
    long now = clock.getAsLong();
    if (e == null) {
      return new LockStatus(false, "", 0, -1, 0, messages, entries);
    }
    boolean held = e.holder != null && now - e.leaseEndNanos < 0;
    int left = held ? (int) Math.min(Integer.MAX_VALUE, (e.leaseEndNanos - now) / 1_000_000L) : -1;
    return new LockStatus(held, held ? e.holder.label() : "", e.fence, left, e.queue.size(), messages, entries);
  }

  public synchronized long messages() {
    return messages;
  }

  public synchronized long entries() {
    return entries;
  }
}
