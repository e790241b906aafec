package amoeba.flip.wire;

import amoeba.flip.security.PacketAuthenticator;
import amoeba.flip.security.ReplayWindow;
import amoeba.flip.stats.DropCounters;
import amoeba.flip.stats.DropReason;
import java.nio.ByteBuffer;

/**
 * The receive-path gate: every packet a box receives passes {@link #admit} before anything
 * else looks at it. In order: the header is structurally sound ({@link FlipHeader#validate}),
 * it belongs to this pool (WRONG_POOL), and, when the pool has a key, it carries a tag
 * (MISSING_TAG) that verifies (BAD_TAG) and is not a replay (REPLAY; checked only after the tag
 * verifies, so forged packets cannot burn sequence numbers). Without a key, a tag on a packet is
 * ignored and there is no replay check (anyone could forge the sequence). Each refusal is counted.
 *
 * <p>Never throws for any bytes or lengths; allocates nothing (after each thread's first
 * authenticated packet). Thread-safe if its parts are (they are).
 */
public final class PacketCheck {
  private final int poolId;
  private final PacketAuthenticator authenticator;
  private final ReplayWindow replay;
  private final int maxMessageBytes;
  private final DropCounters counters;

  /**
   * @param authenticator the pool key's authenticator, or {@code null} when the pool has no key
   * @param replay required when {@code authenticator} is set; may be null otherwise
   */
  public PacketCheck(
      int poolId,
      PacketAuthenticator authenticator,
      ReplayWindow replay,
      int maxMessageBytes,
      DropCounters counters) {
    if (authenticator != null && replay == null) {
      throw new IllegalArgumentException("a keyed pool needs a replay window");
    }
    this.poolId = poolId;
    this.authenticator = authenticator;
    this.replay = replay;
    this.maxMessageBytes = maxMessageBytes;
    this.counters = counters;
  }

  /**
   * Whether the {@code packetLength} bytes at {@code at} may be processed; if not, the reason is
   * counted. The buffer's position and limit are unchanged.
   */
  public boolean admit(ByteBuffer packet, int at, int packetLength) {
    DropReason reason = FlipHeader.validate(packet, at, packetLength, maxMessageBytes);
    if (reason == null && FlipHeader.poolId(packet, at) != poolId) {
      reason = DropReason.WRONG_POOL;
    }
    if (reason == null && authenticator != null) {
      if (!FlipHeader.authenticated(packet, at)) {
        reason = DropReason.MISSING_TAG;
      } else if (!authenticator.verify(packet, at, packetLength)) {
        reason = DropReason.BAD_TAG;
      } else if (!replay.accept(FlipHeader.epoch(packet, at), FlipHeader.sequence(packet, at))) {
        reason = DropReason.REPLAY;
      }
    }
    if (reason != null) {
      counters.increment(reason);
      return false;
    }
    return true;
  }
}
