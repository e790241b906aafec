package amoeba.ipc.rpc;

/**
 * RPC timers and bounds. Times in nanoseconds.
 *
 * @param locateTimeoutNanos a port not located within this is NOTFOUND (Amoeba: 5 s)
 * @param initialRetransmitNanos first REQUEST retransmission timeout while a port has no RTT
 *     estimate yet
 * @param minRetransmitNanos lower bound of the retransmission timeout derived from the RTT
 * @param maxRetransmitNanos upper bound of the timeout, which doubles per retransmission
 * @param maxRequestSends a REQUEST is sent at most this often (first send included) before the
 *     call fails with FAILURE and the port is located again (Amoeba: 10 retrials)
 * @param enquiryIntervalNanos after an ACK, the client sends an ENQUIRE this often (Amoeba: 1 s)
 * @param maxMissedEnquiries this many unanswered ENQUIREs in a row: the server is dead, FAILURE
 * @param tableCapacity clients the server's transaction table remembers at once
 * @param tableTtlNanos a replied transaction is kept at least this long after its last use;
 *     must exceed {@link #requestWindowNanos()} so no duplicate can outlive its entry
 * @param keeperGraceNanos when no server thread has waited in getreq for this long, the
 *     server's keeper thread answers ENQUIREs and duplicates in their place
 */
public record RpcConfig(
    long locateTimeoutNanos,
    long initialRetransmitNanos,
    long minRetransmitNanos,
    long maxRetransmitNanos,
    int maxRequestSends,
    long enquiryIntervalNanos,
    int maxMissedEnquiries,
    int tableCapacity,
    long tableTtlNanos,
    long keeperGraceNanos) {

  static final long MS = 1_000_000L;

  /**
   * Time allowed per KiB of a message on top of the retransmission timeout (100 us, i.e. a
   * 10 MB/s floor: a 100 Mbit/s board link): a 1 MiB REQUEST is not resent before it can have
   * arrived, and a stored 1 MiB reply is not resent more often than it can be sent.
   */
  public static final long TRANSFER_NANOS_PER_KIB = 100_000L;

  /** The transfer allowance of a message of {@code bytes}. */
  public static long transferNanos(long bytes) {
    return (bytes >> 10) * TRANSFER_NANOS_PER_KIB;
  }

  /** Network delay on top of the client's own retransmission window, for the TTL check. */
  public static final long MAX_NETWORK_DELAY_NANOS = 5_000 * MS;

  public RpcConfig {
    if (maxRequestSends < 1 || maxMissedEnquiries < 1 || tableCapacity < 1) {
      throw new IllegalArgumentException("sends, enquiries and capacity must be >= 1");
    }
    if (minRetransmitNanos <= 0 || maxRetransmitNanos < minRetransmitNanos
        || initialRetransmitNanos <= 0 || enquiryIntervalNanos <= 0 || keeperGraceNanos <= 0
        || locateTimeoutNanos <= 0) {
      throw new IllegalArgumentException("timers must be positive and min <= max");
    }
    long window = (long) maxRequestSends * maxRetransmitNanos;
    if (tableTtlNanos <= window + MAX_NETWORK_DELAY_NANOS) {
      // At-most-once depends on it: an entry dropped while a duplicate may still arrive would
      // let that duplicate run again.
      throw new IllegalArgumentException(
          "tableTtlNanos must exceed maxRequestSends * maxRetransmitNanos + 5 s = "
              + (window + MAX_NETWORK_DELAY_NANOS) + " ns");
    }
  }

  /**
   * Defaults for a board: Amoeba's timers, 65,536 clients remembered for at least 60 s. The
   * retransmission timeout never drops below 10 ms: on a loaded 2-core board a reply can be a
   * few ms late, and resending sooner only adds duplicates to the load.
   */
  public static RpcConfig defaults() {
    return new RpcConfig(
        5_000 * MS, 20 * MS, 10 * MS, 1_000 * MS, 10, 1_000 * MS, 5, 65_536, 60_000 * MS, 20 * MS);
  }

  /**
   * The longest a client keeps sending one REQUEST after its first send: every send waits at
   * most {@link #maxRetransmitNanos}.
   */
  public long requestWindowNanos() {
    return (long) maxRequestSends * maxRetransmitNanos;
  }

  public RpcConfig withRetransmit(long initialNanos, long minNanos, long maxNanos, int sends) {
    return new RpcConfig(
        locateTimeoutNanos, initialNanos, minNanos, maxNanos, sends, enquiryIntervalNanos,
        maxMissedEnquiries, tableCapacity, tableTtlNanos, keeperGraceNanos);
  }

  public RpcConfig withEnquiry(long intervalNanos, int maxMissed) {
    return new RpcConfig(
        locateTimeoutNanos, initialRetransmitNanos, minRetransmitNanos, maxRetransmitNanos,
        maxRequestSends, intervalNanos, maxMissed, tableCapacity, tableTtlNanos, keeperGraceNanos);
  }

  public RpcConfig withTable(int capacity, long ttlNanos) {
    return new RpcConfig(
        locateTimeoutNanos, initialRetransmitNanos, minRetransmitNanos, maxRetransmitNanos,
        maxRequestSends, enquiryIntervalNanos, maxMissedEnquiries, capacity, ttlNanos,
        keeperGraceNanos);
  }

  public RpcConfig withLocateTimeout(long nanos) {
    return new RpcConfig(
        nanos, initialRetransmitNanos, minRetransmitNanos, maxRetransmitNanos, maxRequestSends,
        enquiryIntervalNanos, maxMissedEnquiries, tableCapacity, tableTtlNanos, keeperGraceNanos);
  }

  public RpcConfig withKeeperGrace(long nanos) {
    return new RpcConfig(
        locateTimeoutNanos, initialRetransmitNanos, minRetransmitNanos, maxRetransmitNanos,
        maxRequestSends, enquiryIntervalNanos, maxMissedEnquiries, tableCapacity, tableTtlNanos,
        nanos);
  }
}
