package amoeba.ipc.group;

/**
 * What started or ended a reset at this member, counted ({@link GroupMember#resets()}): a run
 * of resets shows in these counts which timer keeps firing.
 */
public enum GroupResetEvent {
  /** The application asked for one ({@link GroupMember#reset}). */
  REQUESTED,
  /** A member heard nothing from the sequencer for the failure timeout. */
  SEQUENCER_SILENT,
  /** This member coordinated a reset that did not complete in twice the failure timeout. */
  COORDINATION_STUCK,
  /** This member followed another's reset, which made no progress for the failure timeout. */
  RESET_STALLED,
  /** A member that still hears the sequencer refuted this member's suspicion: it went back. */
  REFUTED,
  /** This member completed a reset as the new sequencer. */
  COMPLETED
}
