package amoeba.ipc.group;

/** Why a group packet was dropped: counted per member, readable by tests ({@link GroupDrops}). */
public enum GroupDropReason {
  /** Shorter than the 48-byte group header. */
  TOO_SHORT,
  /** Unknown header version. */
  BAD_VERSION,
  /** Unknown message type. */
  BAD_TYPE,
  /** A field out of range: negative sequence number, id or incarnation, payload on a bodyless type. */
  BAD_FIELD,
  /** From an older incarnation, or from a newer one this member has not installed. */
  STALE_INCARNATION,
  /** The sender is not in the membership. */
  NOT_MEMBER,
  /** Already held or already ordered. */
  DUPLICATE,
  /** Beyond this member's buffer (history capacity): flow control, the sender retransmits. */
  NO_ROOM,
  /** Our own multicast, delivered locally by FLIP. */
  OWN_ECHO,
  /** Not meaningful in this member's current state (e.g. DATA at a non-sequencer). */
  WRONG_STATE
}
