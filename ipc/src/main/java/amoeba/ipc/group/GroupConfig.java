package amoeba.ipc.group;

/**
 * How a group behaves. Times in nanoseconds, sizes in bytes or messages as named.
 *
 * @param resilience r: a message is delivered only once r+1 members hold it (and, always, a
 *     majority of the membership: the partition rule; see docs/architecture.md)
 * @param maxMembers joins beyond this are refused
 * @param historyMessages messages each member buffers beyond what every member holds; the
 *     sequencer orders nothing further while its history is full (flow control)
 * @param sendWindow messages a sender may have sent but not yet delivered; send() blocks beyond
 * @param bbThresholdBytes messages of at least this size go BB (sender multicasts the data)
 * @param heartbeatNanos SYNC / ACK heartbeat period, and the protocol timer tick
 * @param failNanos silence after which a sequencer is suspected (reset) or a member expelled
 * @param retransmitNanos an unordered send is retransmitted after this
 * @param nakNanos a gap is re-NAKed no sooner than this
 */
public record GroupConfig(
    int resilience,
    int maxMembers,
    int historyMessages,
    int sendWindow,
    int bbThresholdBytes,
    long heartbeatNanos,
    long failNanos,
    long retransmitNanos,
    long nakNanos) {

  private static final long MS = 1_000_000L;

  public GroupConfig {
    if (resilience < 0 || maxMembers < 1 || historyMessages < 16 || sendWindow < 1
        || sendWindow > historyMessages || bbThresholdBytes < 0 || heartbeatNanos <= 0
        || failNanos < 3 * heartbeatNanos || retransmitNanos <= 0 || nakNanos <= 0) {
      throw new IllegalArgumentException("bad group config");
    }
  }

  /** LAN defaults: 4096-message history, window 1000, BB from 1 KiB, 50 ms beats, 1 s fail. */
  public static GroupConfig defaults() {
    return new GroupConfig(0, 64, 4096, 1000, 1024, 50 * MS, 1000 * MS, 100 * MS, 20 * MS);
  }

  public GroupConfig withResilience(int r) {
    return new GroupConfig(r, maxMembers, historyMessages, sendWindow, bbThresholdBytes,
        heartbeatNanos, failNanos, retransmitNanos, nakNanos);
  }

  public GroupConfig withTimers(long heartbeat, long fail, long retransmit, long nak) {
    return new GroupConfig(resilience, maxMembers, historyMessages, sendWindow, bbThresholdBytes,
        heartbeat, fail, retransmit, nak);
  }

  public GroupConfig withBuffers(int history, int window) {
    return new GroupConfig(resilience, maxMembers, history, window, bbThresholdBytes,
        heartbeatNanos, failNanos, retransmitNanos, nakNanos);
  }

  public GroupConfig withBbThreshold(int bytes) {
    return new GroupConfig(resilience, maxMembers, historyMessages, sendWindow, bytes,
        heartbeatNanos, failNanos, retransmitNanos, nakNanos);
  }

  public GroupConfig withMaxMembers(int n) {
    return new GroupConfig(resilience, n, historyMessages, sendWindow, bbThresholdBytes,
        heartbeatNanos, failNanos, retransmitNanos, nakNanos);
  }
}
