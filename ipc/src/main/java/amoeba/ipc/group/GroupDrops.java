package amoeba.ipc.group;

import amoeba.flip.stats.EnumCounters;

/** Dropped group packets by reason; see {@link EnumCounters}. */
public final class GroupDrops extends EnumCounters<GroupDropReason> {
  public GroupDrops() {
    super(GroupDropReason.class);
  }
}
