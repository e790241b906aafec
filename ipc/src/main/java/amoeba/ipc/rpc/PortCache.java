package amoeba.ipc.rpc;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The client's port cache: put-port -> whether it is located, and the RTT estimate that sets
 * the retransmission timeout. Where the port lives (network, station) is FLIP's hint cache;
 * this cache decides when to locate and when to make FLIP forget.
 *
 * <p>Entries are updated without locks: a lost RTT update only delays the estimate. Bounded:
 * past {@link #CAPACITY} ports the cache is cleared (ports are located again on next use).
 */
final class PortCache {
  static final int CAPACITY = 4096;

  /** One port. Fields are racy on purpose (see class comment); volatile for visibility. */
  static final class Entry {
    final long putPort;
    volatile boolean located;
    /** The server instance this client last dealt with on the port; 0 = identify first. */
    volatile long instance;
    /** Smoothed RTT and its mean deviation (RFC 6298), 0 = no sample yet. */
    volatile long srttNanos;
    volatile long rttvarNanos;

    Entry(long putPort) {
      this.putPort = putPort;
    }

    /** The first retransmission timeout of a call. */
    long rto(RpcConfig c) {
      long srtt = srttNanos;
      if (srtt == 0) {
        return c.initialRetransmitNanos();
      }
      long rto = srtt + 4 * rttvarNanos;
      return Math.max(c.minRetransmitNanos(), Math.min(c.maxRetransmitNanos(), rto));
    }

    /** A round trip measured on a REQUEST sent once (Karn: never on a retransmitted one). */
    void sample(long rttNanos) {
      long srtt = srttNanos;
      if (srtt == 0) {
        srttNanos = rttNanos;
        rttvarNanos = rttNanos / 2;
      } else {
        rttvarNanos = (3 * rttvarNanos + Math.abs(srtt - rttNanos)) / 4;
        srttNanos = (7 * srtt + rttNanos) / 8;
      }
    }

    /** Contact lost: locate again next time, and start the RTT estimate afresh. */
    void failed() {
      located = false;
      instance = 0;
      srttNanos = 0;
      rttvarNanos = 0;
    }
  }

  private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();

  Entry get(long putPort) {
    Entry e = entries.get(putPort);
    if (e == null) {
      if (entries.size() >= CAPACITY) {
        entries.clear();
      }
      e = entries.computeIfAbsent(putPort, Entry::new);
    }
    return e;
  }

  int size() {
    return entries.size();
  }
}
