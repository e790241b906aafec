package amoeba.flip;

import java.util.Arrays;

/**
 * How a FLIP box behaves. Sizes in bytes, times in nanoseconds unless the name says otherwise.
 *
 * @param poolId which pool this box belongs to; packets of other pools are dropped
 * @param poolKey the pool's secret for packet authentication, or null for none (one warning)
 * @param fragmentBytes payload bytes per fragment (further capped by each network's packet size)
 * @param maxMessageBytes the largest message a box sends or reassembles
 * @param reassemblyBytesPerSource in-progress reassembly budget of one source
 * @param reassemblyBytesTotal in-progress reassembly budget of the whole box
 * @param reassemblyTimeoutNanos a partial message older than this is dropped (Amoeba: 4 s)
 * @param inboxCapacity messages queued per endpoint before drops (INBOX_FULL)
 * @param locateTimeoutNanos a destination not found within this is given up (Amoeba: 5 s)
 * @param locateRetryNanos LOCATE is re-broadcast this often while unanswered (Amoeba: 100 ms)
 * @param pendingPacketsPerDestination packets held while their destination is being located
 * @param maxHops hop limit written into every packet
 * @param retainBytes copies of sent multi-fragment messages kept for repair (RESEND), bytes
 * @param repairQuietNanos a partial message idle this long asks its sender for the gaps
 */
public record BoxConfig(
    int poolId,
    byte[] poolKey,
    int fragmentBytes,
    int maxMessageBytes,
    long reassemblyBytesPerSource,
    long reassemblyBytesTotal,
    long reassemblyTimeoutNanos,
    int inboxCapacity,
    long locateTimeoutNanos,
    long locateRetryNanos,
    int pendingPacketsPerDestination,
    int maxHops,
    long retainBytes,
    long repairQuietNanos) {

  private static final long MS = 1_000_000L;
  private static final int MIB = 1 << 20;

  public BoxConfig {
    if (fragmentBytes < 64) {
      throw new IllegalArgumentException("fragmentBytes must be >= 64, was " + fragmentBytes);
    }
    if (poolKey != null && poolKey.length < 16) {
      throw new IllegalArgumentException("a pool key needs at least 16 bytes");
    }
    poolKey = poolKey == null ? null : poolKey.clone();
  }

  /** Defaults for a board: 1400-byte fragments, 64 MiB messages, Amoeba's timers. */
  public static BoxConfig defaults(int poolId) {
    return new BoxConfig(
        poolId, null, 1400, 64 * MIB, 96L * MIB, 256L * MIB, 4_000 * MS, 4096, 5_000 * MS,
        100 * MS, 4096, 4, 64L * MIB, 10 * MS);
  }

  public BoxConfig withPoolKey(byte[] key) {
    return new BoxConfig(
        poolId, key, fragmentBytes, maxMessageBytes, reassemblyBytesPerSource,
        reassemblyBytesTotal, reassemblyTimeoutNanos, inboxCapacity, locateTimeoutNanos,
        locateRetryNanos, pendingPacketsPerDestination, maxHops, retainBytes, repairQuietNanos);
  }

  public BoxConfig withFragmentBytes(int bytes) {
    return new BoxConfig(
        poolId, poolKey, bytes, maxMessageBytes, reassemblyBytesPerSource, reassemblyBytesTotal,
        reassemblyTimeoutNanos, inboxCapacity, locateTimeoutNanos, locateRetryNanos,
        pendingPacketsPerDestination, maxHops, retainBytes, repairQuietNanos);
  }

  public BoxConfig withLocateTimeoutNanos(long nanos) {
    return new BoxConfig(
        poolId, poolKey, fragmentBytes, maxMessageBytes, reassemblyBytesPerSource,
        reassemblyBytesTotal, reassemblyTimeoutNanos, inboxCapacity, nanos, locateRetryNanos,
        pendingPacketsPerDestination, maxHops, retainBytes, repairQuietNanos);
  }

  @Override
  public byte[] poolKey() {
    return poolKey == null ? null : poolKey.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BoxConfig c
        && poolId == c.poolId
        && Arrays.equals(poolKey, c.poolKey)
        && fragmentBytes == c.fragmentBytes
        && maxMessageBytes == c.maxMessageBytes
        && inboxCapacity == c.inboxCapacity
        && locateTimeoutNanos == c.locateTimeoutNanos;
  }

  @Override
  public int hashCode() {
    return poolId * 31 + fragmentBytes;
  }

  @Override
  public String toString() {
    return "BoxConfig[pool=" + poolId + ", key=" + (poolKey == null ? "none" : "set")
        + ", fragment=" + fragmentBytes + "]";
  }
}
