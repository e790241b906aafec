package amoeba.servers.coord;

/**
 * A resource guarded by fencing tokens (Kleppmann's storage side of a lock): it remembers the
 * highest fence it accepted and refuses any older one, so a holder that was paused past its
 * lease (or holds a token of an older ring generation, or an older leadership term) cannot act
 * once a newer holder has.
 */
public final class FencedResource {
  private long highest = Long.MIN_VALUE;
  private long accepted;
  private long refused;

  /** Whether an action under {@code fence} is allowed; an allowed fence becomes the highest. */
  public synchronized boolean admit(long fence) {
    if (fence < highest) {
      refused++;
      return false;
    }
    highest = fence;
    accepted++;
    return true;
  }

  public synchronized long highest() {
    return highest;
  }

  public synchronized long accepted() {
    return accepted;
  }

  public synchronized long refused() {
    return refused;
  }
}
