package amoeba.servers.coord.peer;

/**
 * Timers of the peer algorithms, nanoseconds.
 *
 * @param callTimeoutNanos one transaction to a peer gives up after this (the RPC layer's own
 *     retransmission and locate timers end it sooner when a peer is gone)
 * @param attempts transactions per message before its outcome is final
 * @param queuePerPeer messages waiting per peer; beyond, a message is dropped (counted)
 * @param tickNanos the timer period: loss checks, probes, idle token passes
 * @param tokenLossNanos ring: a participant that wants the token and has not seen it for this
 *     long starts a regeneration claim (a false suspicion is harmless: the holder absorbs it)
 * @param idleHoldNanos ring: an idle token stays this long at a participant that does not want
 *     it before moving on (0: circulate at once; bounds the idle traffic)
 * @param probeNanos Ricart-Agrawala: a reply outstanding this long makes the requester probe
 *     the peer (PING); a peer that does not answer is removed from the set
 * @param heartbeatNanos Bully: followers ping the leader this often
 * @param electionNanos Bully: time to wait for an OK, and then for a COORDINATOR
 */
public record PeerConfig(
    long callTimeoutNanos, int attempts, int queuePerPeer, long tickNanos, long tokenLossNanos,
    long idleHoldNanos, long probeNanos, long heartbeatNanos, long electionNanos) {
  static final long MS = 1_000_000L;

  public PeerConfig {
    if (callTimeoutNanos <= 0 || attempts < 1 || queuePerPeer < 1 || tickNanos <= 0
        || tokenLossNanos <= tickNanos || idleHoldNanos < 0 || probeNanos <= 0 || heartbeatNanos <= 0
        || electionNanos <= 0) {
      throw new IllegalArgumentException("bad peer config");
    }
  }

  /**
   * A LAN of boards: 5 s calls, 3 attempts, 2 s token loss, 50 ms idle hold (an idle ring costs
   * 20 passes/s per lock name, not hundreds; a round of 16 boards still beats the loss timeout),
   * 2 s probes.
   */
  public static PeerConfig defaults() {
    return new PeerConfig(5_000 * MS, 3, 4096, 10 * MS, 2_000 * MS, 50 * MS, 2_000 * MS, 500 * MS,
        1_000 * MS);
  }

  public PeerConfig withTimers(long tokenLoss, long idleHold, long probe) {
    return new PeerConfig(callTimeoutNanos, attempts, queuePerPeer, tickNanos, tokenLoss, idleHold,
        probe, heartbeatNanos, electionNanos);
  }

  public PeerConfig withElection(long heartbeat, long election) {
    return new PeerConfig(callTimeoutNanos, attempts, queuePerPeer, tickNanos, tokenLossNanos,
        idleHoldNanos, probeNanos, heartbeat, election);
  }

  public PeerConfig withCallTimeout(long nanos) {
    return new PeerConfig(nanos, attempts, queuePerPeer, tickNanos, tokenLossNanos, idleHoldNanos,
        probeNanos, heartbeatNanos, electionNanos);
  }
}
