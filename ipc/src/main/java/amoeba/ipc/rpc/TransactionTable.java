package amoeba.ipc.rpc;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The server side of at-most-once: per client endpoint (its FLIP address) the last transaction
 * id, whether it is executing or replied, and the stored reply.
 *
 * <ul>
 *   <li>A REQUEST with a newer id than the entry's is a new transaction: it implicitly
 *       acknowledges the previous reply (a client runs one transaction at a time), so the entry
 *       is reused for it and the request is executed.
 *   <li>The same id: a duplicate. Executing: answer ACK. Replied: send the stored reply again.
 *   <li>An older id: a stale duplicate of something already superseded; ignored.
 * </ul>
 *
 * <p>Bound: at most {@code capacity} clients. A replied entry unused for {@code ttlNanos} may
 * be dropped (least recently used first). Because the TTL exceeds how long any client resends
 * one REQUEST ({@link RpcConfig#requestWindowNanos()} plus network delay), a dropped entry can
 * receive no further duplicate, so dropping never weakens at-most-once. When every entry is
 * younger than the TTL or executing, a new client is refused with TRYAGAIN instead: nothing
 * is executed, and the client may retry. Executing entries are never dropped.
 *
 * <p>Thread-safe: the map is guarded by this table's lock (held for a lookup only); an entry's
 * state and stored reply by the entry's own lock. Lock order: table, then entry.
 */
final class TransactionTable {
  static final byte EXECUTING = 1;
  static final byte REPLIED = 2;

  /** Candidates examined for eviction per admission, so a few long calls do not block it. */
  private static final int EVICTION_SCAN = 8;

  /** Stored replies larger than this are dropped when the client moves on (memory bound). */
  static final int KEEP_BUFFER_BYTES = 64 * 1024;

  static final class Entry {
    final long client;
    int tid;
    byte state;
    long touchedNanos;
    /** When the stored reply was last sent, to pace resends of big replies. */
    long sentNanos;
    /** The encoded reply message (both headers and data), position 0, limit its length. */
    ByteBuffer reply;

    Entry(long client) {
      this.client = client;
    }

    /** A buffer for a reply of {@code length} bytes, reusing the stored one when large enough. */
    ByteBuffer replyBuffer(int length) {
      ByteBuffer b = reply;
      if (b == null || b.capacity() < length) {
        b = ByteBuffer.allocate(Math.max(length, 256));
        reply = b;
      }
      b.clear().limit(length);
      return b;
    }
  }

  /** What {@link #onRequest} decided. */
  enum Verdict {
    EXECUTE,
    DUPLICATE_EXECUTING,
    DUPLICATE_REPLIED,
    OLD,
    FULL
  }

  private final int capacity;
  private final long ttlNanos;
  private final LongSupplier clock;
  private final RpcStats stats;
  private final LinkedHashMap<Long, Entry> entries;

  TransactionTable(int capacity, long ttlNanos, LongSupplier clock, RpcStats stats) {
    this.capacity = capacity;
    this.ttlNanos = ttlNanos;
    this.clock = clock;
    this.stats = stats;
    this.entries = new LinkedHashMap<>(16, 0.75f, true); // access order: eldest = LRU
  }

  /**
   * Classifies a REQUEST from {@code client} with {@code tid}; for EXECUTE the returned
   * entry is already EXECUTING with that id. {@code out[0]} receives the entry (or null).
   */
  Verdict onRequest(long client, int tid, Entry[] out) {
    long now = clock.getAsLong();
    Entry e;
    synchronized (this) {
      e = entries.get(client);
      if (e == null) {
        e = admit(client, now);
        if (e == null) {
          out[0] = null;
          stats.increment(RpcCounter.TABLE_FULL);
          return Verdict.FULL;
        }
        synchronized (e) {
          e.tid = tid;
          e.state = EXECUTING;
          e.touchedNanos = now;
        }
        out[0] = e;
        return Verdict.EXECUTE;
      }
    }
    out[0] = e;
    synchronized (e) {
      e.touchedNanos = now;
      if (e.tid == tid) {
        return e.state == EXECUTING ? Verdict.DUPLICATE_EXECUTING : Verdict.DUPLICATE_REPLIED;
      }
      if (!RpcHeader.newer(tid, e.tid)) {
        return Verdict.OLD;
      }
      e.tid = tid;
      e.state = EXECUTING;
      if (e.reply != null && e.reply.capacity() > KEEP_BUFFER_BYTES) {
        e.reply = null;
      }
      return Verdict.EXECUTE;
    }
  }

  /** The entry of {@code client}, or null; marks it used. */
  synchronized Entry get(long client) {
    return entries.get(client);
  }

  /** Stores the reply: call with the entry locked, after encoding into its buffer. */
  void replied(Entry e) {
    e.state = REPLIED;
    e.touchedNanos = clock.getAsLong();
    e.sentNanos = e.touchedNanos;
  }

  /** Drops replied entries older than the TTL, least recently used first. */
  synchronized int expire() {
    long now = clock.getAsLong();
    int dropped = 0;
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      synchronized (e) {
        if (!expired(e, now)) {
          break; // the rest were used more recently
        }
      }
      it.remove();
      dropped++;
      stats.increment(RpcCounter.TABLE_EXPIRED);
    }
    return dropped;
  }

  /**
   * The replied entries, for the server's next incarnation after a move:
   *
   * <pre>
   * u32 n, then n times: u64 client, u32 tid, i32 length (-1: reply not kept), length bytes
   * (the encoded reply message, both headers)
   * </pre>
   *
   * Executing entries are left out: taken while the server executes nothing (its process
   * stunned), such an entry was admitted but never run, and its client is refused at the close
   * (NAK TRYAGAIN) and sends it again. Replies larger than {@link #KEEP_BUFFER_BYTES} travel as
   * tombstones: a duplicate then gets NAK FAILURE there, as a dropped reply does here.
   */
  synchronized byte[] export() {
    int n = 0;
    int bytes = 4;
    for (Entry e : entries.values()) {
      synchronized (e) {
        if (e.state == REPLIED) {
          n++;
          bytes += 16 + (kept(e) ? e.reply.limit() : 0);
        }
      }
    }
    ByteBuffer b = ByteBuffer.allocate(bytes).putInt(n);
    for (Entry e : entries.values()) {
      synchronized (e) {
        if (e.state == REPLIED) {
          b.putLong(e.client).putInt(e.tid);
          if (kept(e)) {
            b.putInt(e.reply.limit()).put(e.reply.duplicate().position(0));
          } else {
            b.putInt(-1);
          }
        }
      }
    }
    return b.array();
  }

  private static boolean kept(Entry e) {
    return e.reply != null && e.reply.limit() <= KEEP_BUFFER_BYTES;
  }

  /**
   * Takes the entries of {@link #export} as replied now (their TTL starts again). Beyond the
   * capacity too: dropping one could let its duplicate run twice.
   *
   * @throws IllegalArgumentException for bytes that are not an export (nothing taken then)
   */
  synchronized void adopt(byte[] exported) {
    ByteBuffer b = ByteBuffer.wrap(exported);
    java.util.List<Entry> taken = new java.util.ArrayList<>();
    try {
      long now = clock.getAsLong();
      for (int n = b.getInt(); n > 0; n--) {
        Entry e = new Entry(b.getLong());
        e.tid = b.getInt();
        int length = b.getInt();
        if (length > KEEP_BUFFER_BYTES || length < -1) {
          throw new IllegalArgumentException("a stored reply of " + length + " bytes");
        }
        if (length >= 0) {
          e.reply = ByteBuffer.allocate(length);
          b.get(e.reply.array());
        }
        e.state = REPLIED;
        e.touchedNanos = now;
        e.sentNanos = now - ttlNanos; // a duplicate may have it at once
        taken.add(e);
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("a transaction table export is cut short", e);
    }
    if (b.hasRemaining()) {
      throw new IllegalArgumentException("bytes after a transaction table export");
    }
    for (Entry e : taken) {
      entries.put(e.client, e);
    }
  }

  synchronized int size() {
    return entries.size();
  }

  private boolean expired(Entry e, long now) {
    return e.state == REPLIED && now - e.touchedNanos > ttlNanos;
  }

  /** A new entry for {@code client}, evicting an expired one if full; null when none can go. */
  private Entry admit(long client, long now) {
    if (entries.size() >= capacity) {
      Iterator<Map.Entry<Long, Entry>> it = entries.entrySet().iterator();
      boolean evicted = false;
      for (int i = 0; i < EVICTION_SCAN && it.hasNext(); i++) {
        Entry old = it.next().getValue();
        synchronized (old) {
          if (expired(old, now)) {
            it.remove();
            stats.increment(RpcCounter.TABLE_EXPIRED);
            evicted = true;
            break;
          }
        }
      }
      if (!evicted) {
        return null;
      }
    }
    Entry e = new Entry(client);
    entries.put(client, e);
    return e;
  }
}
