package amoeba.flip.fragment;

import amoeba.flip.stats.DropCounters;
import amoeba.flip.stats.DropReason;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Reassembles fragmented FLIP messages, named by (source address, message id), within memory
 * budgets. Offsets and totals are unsigned 32-bit values carried in {@code int}s.
 *
 * <p>Budgets, checked before a message buffer is allocated: total <= maxMessageBytes, this
 * source's in-progress bytes + total <= maxBytesPerSource, everybody's in-progress bytes + total
 * <= maxBytesTotal; otherwise the fragment is dropped as REASSEMBLY_OVERFLOW. A header claiming
 * gigabytes therefore allocates nothing. A message's whole {@code total} is charged from its
 * first fragment until it completes or expires.
 *
 * <p>Received bytes are kept per message as sorted, coalesced ranges [start, end) in two int
 * arrays (in-order arrival keeps a single range), so fragments of any sizes work. A fragment
 * wholly inside received bytes is a duplicate (DUPLICATE_FRAGMENT); one partly overlapping them,
 * reaching past total, empty, or claiming another total than the message's first fragment is
 * inconsistent (BAD_FRAGMENT); either is dropped and the partial message is kept. At most
 * {@value #MAX_RANGES} disjoint ranges per message (a sender with a fixed fragment size never gets
 * near); a fragment that would need more is dropped as REASSEMBLY_OVERFLOW.
 *
 * <p>The last {@value #COMPLETED_RING} completed (source, message id) pairs are remembered, so a
 * late duplicate of a completed message is dropped (DUPLICATE_FRAGMENT) instead of starting a new
 * reassembly. {@link #expire} drops partial messages that made no progress (no new bytes) for
 * {@code timeoutNanos} (REASSEMBLY_TIMEOUT), on the injected clock: a large message being
 * repaired after loss lives as long as the repair makes progress.
 *
 * <p>Repair: {@link #forEachStalled} lists the gaps of messages that made no progress for a
 * while, so the box can ask their senders to resend just those bytes (FLIP RESEND).
 *
 * <p>Allocation: a fragment of a message in progress allocates nothing (the map lookup uses a
 * reused probe key); the first fragment of a message allocates its buffer and bookkeeping.
 *
 * <p>Thread safety: every method holds one lock (the box calls in from its current leader).
 */
public final class Reassembler {
  /** Disjoint received ranges kept per message. */
  public static final int MAX_RANGES = 65536;
  /** Recently completed messages remembered to drop their late duplicates. */
  public static final int COMPLETED_RING = 512;

  private final long maxMessageBytes;
  private final long maxBytesPerSource;
  private final long maxBytesTotal;
  private final long timeoutNanos;
  private final LongSupplier nanoClock;
  private final DropCounters counters;

  // Access order = order of last progress, so expire() stops at the first fresh one.
  private final LinkedHashMap<Key, Partial> partials = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<Long, SourceBudget> perSource = new HashMap<>();
  private final Key probe = new Key(0, 0);
  private final long[] doneSources = new long[COMPLETED_RING];
  private final int[] doneIds = new int[COMPLETED_RING];
  private int doneCount;
  private int doneNext;
  private long bytesInProgress;
  private int[] gapStarts = new int[0]; // forEachStalled's gap lists, grown on demand
  private int[] gapEnds = new int[0];

  public Reassembler(
      int maxMessageBytes,
      long maxBytesPerSource,
      long maxBytesTotal,
      long timeoutNanos,
      LongSupplier nanoClock,
      DropCounters counters) {
    if (maxMessageBytes < 0 || maxBytesPerSource < 0 || maxBytesTotal < 0 || timeoutNanos < 0) {
      throw new IllegalArgumentException("budgets and timeout must be >= 0");
    }
    this.maxMessageBytes = maxMessageBytes;
    this.maxBytesPerSource = maxBytesPerSource;
    this.maxBytesTotal = maxBytesTotal;
    this.timeoutNanos = timeoutNanos;
    this.nanoClock = nanoClock;
    this.counters = counters;
  }

  /**
   * Adds one fragment: the bytes {@code fragment} position..limit (left unchanged) belong at
   * {@code offset} of the message ({@code source}, {@code messageId}) of {@code total} bytes.
   * Returns the complete message (a new heap buffer, position 0, limit total, owned by the
   * caller) when this fragment completes it, else {@code null} (incomplete or dropped; drops are
   * counted). Never throws for any values.
   */
  public synchronized ByteBuffer accept(
      long source, int messageId, int offset, int total, ByteBuffer fragment) {
    long off = Integer.toUnsignedLong(offset);
    long tot = Integer.toUnsignedLong(total);
    int length = fragment.remaining();
    if (off + length > tot || (length == 0 && tot != 0)) {
      counters.increment(DropReason.BAD_FRAGMENT);
      return null;
    }
    probe.source = source;
    probe.messageId = messageId;
    Partial p = partials.get(probe);
    if (p == null) {
      if (recentlyCompleted(source, messageId)) {
        counters.increment(DropReason.DUPLICATE_FRAGMENT);
        return null;
      }
      SourceBudget budget = perSource.get(source);
      long sourceBytes = budget == null ? 0 : budget.bytes;
      if (tot > maxMessageBytes
          || sourceBytes + tot > maxBytesPerSource
          || bytesInProgress + tot > maxBytesTotal) {
        counters.increment(DropReason.REASSEMBLY_OVERFLOW);
        return null;
      }
      if (budget == null) {
        budget = new SourceBudget();
        perSource.put(source, budget);
      }
      p = new Partial(source, messageId, budget, (int) tot, nanoClock.getAsLong());
      budget.bytes += tot;
      bytesInProgress += tot;
      partials.put(new Key(source, messageId), p);
    } else if (p.total != tot) {
      counters.increment(DropReason.BAD_FRAGMENT);
      return null;
    }
    DropReason drop = p.add((int) off, length);
    if (drop != null) {
      counters.increment(drop);
      return null;
    }
    p.buffer.put((int) off, fragment, fragment.position(), length);
    p.progressNanos = nanoClock.getAsLong();
    if (p.received != p.total) {
      return null;
    }
    probe.source = source;
    probe.messageId = messageId;
    partials.remove(probe);
    release(p);
    remember(source, messageId);
    return p.buffer; // position 0, limit total since allocation
  }

  /** Drops partial messages that made no progress for timeoutNanos or more. */
  public synchronized void expire() {
    long now = nanoClock.getAsLong();
    Iterator<Partial> it = partials.values().iterator();
    while (it.hasNext()) {
      Partial p = it.next();
      if (now - p.progressNanos < timeoutNanos) {
        break; // later entries progressed later
      }
      it.remove();
      release(p);
      counters.increment(DropReason.REASSEMBLY_TIMEOUT);
    }
  }

  /** Receives the missing byte ranges [starts[i], ends[i]) of one stalled message. */
  public interface GapVisitor {
    void gaps(long source, int messageId, int total, int[] starts, int[] ends, int count);
  }

  /**
   * Visits every partial message that made no progress and was not visited for {@code
   * quietNanos}, with at most {@code maxGaps} of its first missing ranges. The visitor runs
   * under this reassembler's lock: it must not call back in, nor keep the arrays (reused).
   */
  public synchronized void forEachStalled(long quietNanos, int maxGaps, GapVisitor visitor) {
    long now = nanoClock.getAsLong();
    for (Partial p : partials.values()) {
      if (now - p.progressNanos < quietNanos || now - p.repairNanos < quietNanos) {
        continue;
      }
      p.repairNanos = now;
      if (gapStarts.length < maxGaps) { // housekeeping runs often: allocate only for a stall
        gapStarts = new int[maxGaps];
        gapEnds = new int[maxGaps];
      }
      int[] starts = gapStarts;
      int[] ends = gapEnds;
      int count = 0;
      int at = 0;
      for (int i = 0; i <= p.ranges && count < maxGaps; i++) {
        int next = i < p.ranges ? p.starts[i] : p.total;
        if (next > at) {
          starts[count] = at;
          ends[count] = next;
          count++;
        }
        if (i < p.ranges) {
          at = p.ends[i];
        }
      }
      if (count > 0) {
        visitor.gaps(p.source, p.messageId, p.total, starts, ends, count);
      }
    }
  }

  /** Partial messages held now. */
  public synchronized int inProgress() {
    return partials.size();
  }

  /** Bytes charged to partial messages now (their totals). */
  public synchronized long bytesInProgress() {
    return bytesInProgress;
  }

  private void release(Partial p) {
    bytesInProgress -= p.total;
    p.budget.bytes -= p.total;
    if (p.budget.bytes == 0) {
      perSource.remove(p.source);
    }
  }

  private boolean recentlyCompleted(long source, int messageId) {
    for (int i = 0; i < doneCount; i++) {
      if (doneIds[i] == messageId && doneSources[i] == source) {
        return true;
      }
    }
    return false;
  }

  private void remember(long source, int messageId) {
    doneSources[doneNext] = source;
    doneIds[doneNext] = messageId;
    doneNext = (doneNext + 1) % COMPLETED_RING;
    doneCount = Math.min(doneCount + 1, COMPLETED_RING);
  }

  /** Map key; the instance {@code probe} is mutated for lookups (under the lock). */
  private static final class Key {
    long source;
    int messageId;

    Key(long source, int messageId) {
      this.source = source;
      this.messageId = messageId;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key && ((Key) o).source == source && ((Key) o).messageId == messageId;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(source) * 31 + messageId;
    }
  }

  private static final class SourceBudget {
    long bytes; // sum of totals of this source's partial messages
  }

  /** One message being reassembled: its buffer and the coalesced received ranges. */
  private static final class Partial {
    final long source;
    final int messageId;
    final SourceBudget budget;
    final int total;
    final ByteBuffer buffer;
    long progressNanos; // when bytes last arrived
    long repairNanos = Long.MIN_VALUE / 2; // when forEachStalled last listed its gaps
    int received; // bytes received, sum of range lengths
    int[] starts = new int[4]; // ranges [starts[i], ends[i]), sorted, disjoint, non-adjacent
    int[] ends = new int[4];
    int ranges;

    Partial(long source, int messageId, SourceBudget budget, int total, long nowNanos) {
      this.source = source;
      this.messageId = messageId;
      this.budget = budget;
      this.total = total;
      this.progressNanos = nowNanos;
      this.buffer = ByteBuffer.allocate(total);
    }

    /** Records [off, off+len) as received, or says why it must be dropped. */
    DropReason add(int off, int len) {
      int end = off + len; // <= total, checked by the caller
      if (len == 0) {
        return null; // the empty message: nothing to record, complete already
      }
      // i = number of ranges starting at or before off; range i-1 is the only one that can
      // contain off, range i the first that starts after it.
      int i = upperBound(off);
      if (i > 0 && ends[i - 1] > off) {
        return ends[i - 1] >= end ? DropReason.DUPLICATE_FRAGMENT : DropReason.BAD_FRAGMENT;
      }
      if (i < ranges && starts[i] < end) {
        return DropReason.BAD_FRAGMENT; // covers the start of a later range
      }
      boolean joinLeft = i > 0 && ends[i - 1] == off;
      boolean joinRight = i < ranges && starts[i] == end;
      if (joinLeft && joinRight) {
        ends[i - 1] = ends[i];
        System.arraycopy(starts, i + 1, starts, i, ranges - i - 1);
        System.arraycopy(ends, i + 1, ends, i, ranges - i - 1);
        ranges--;
      } else if (joinLeft) {
        ends[i - 1] = end;
      } else if (joinRight) {
        starts[i] = off;
      } else {
        if (ranges == MAX_RANGES) {
          return DropReason.REASSEMBLY_OVERFLOW;
        }
        if (ranges == starts.length) {
          int grown = Math.min(MAX_RANGES, ranges * 2);
          starts = java.util.Arrays.copyOf(starts, grown);
          ends = java.util.Arrays.copyOf(ends, grown);
        }
        System.arraycopy(starts, i, starts, i + 1, ranges - i);
        System.arraycopy(ends, i, ends, i + 1, ranges - i);
        starts[i] = off;
        ends[i] = end;
        ranges++;
      }
      received += len;
      return null;
    }

    private int upperBound(int off) {
      int lo = 0;
      int hi = ranges;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (starts[mid] <= off) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
  }
}
