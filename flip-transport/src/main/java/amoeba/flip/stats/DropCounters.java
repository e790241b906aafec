package amoeba.flip.stats;

/** Dropped packets counted by {@link DropReason}; see {@link EnumCounters}. */
public final class DropCounters extends EnumCounters<DropReason> {
  public DropCounters() {
    super(DropReason.class);
  }

  /** The non-zero counts, e.g. {@code drops{BAD_TAG=3, REPLAY=1}}. */
  @Override
  public String toString() {
    return "drops" + super.toString();
  }
}
