package amoeba.ipc.group;

/**
 * Every group packet type, with its fixed wire number. Numbers are never reused; 0 is never a
 * valid type (an all-zero packet is rejected). See docs/architecture.md, "Group communication".
 */
public enum GroupMessageType {
  /** PB: member -> sequencer, unicast; seq unused, msgId = the sender's message number. */
  DATA(1),
  /** BB: member -> group, multicast; the data itself, ordered later by a short ORDERED. */
  BB_DATA(2),
  /** Sequencer -> group (or unicast retransmission): seq, origin, msgId, accepted, stable. */
  ORDERED(3),
  /** Sequencer -> group heartbeat and accept: seq = last ordered, msgId = lease stamp. */
  SYNC(4),
  /** Member -> sequencer: seq = highest contiguous seq held, msgId = stamp echo; a heartbeat. */
  ACK(5),
  /** Member -> sequencer: please resend seq .. msgId (inclusive). */
  NAK(6),
  /** Joiner -> group (multicast) or sequencer: seq = first seq wanted (0 = fresh member). */
  JOIN_REQ(7),
  /** Sequencer -> joiner or group: the view; aux = recipient's member id (-1: to all). */
  VIEW(8),
  /** Member -> sequencer: take me out (ordered as a LEAVE event). */
  LEAVE_REQ(9),
  /** Reset coordinator -> group: incarnation = proposed incarnation (the ballot). */
  RESET_REQ(10),
  /** Member -> coordinator: seq = held, accepted, aux = log incarnation, stable = installed. */
  VOTE(11),
  /** Member -> candidate: not voting; incarnation = installed, aux = promised incarnation. */
  REJECT(12),
  /** Coordinator -> voter: send me seq .. msgId (inclusive) from your history. */
  FETCH(13),
  /** Sequencer -> member: you were expelled (silent too long, or too slow to keep up). */
  EXPELLED(14),
  /** Member -> sequencer of a newer incarnation: send me the view. */
  VIEW_REQ(15),
  /** Sequencer -> joiner: refused (group full, or too far behind to catch up). */
  JOIN_REFUSED(16),
  /**
   * Sequencer -> group: several ORDERED at once (ordered while handling one batch of received
   * packets); aux = count, seq = the first one's. Body: per ORDERED, its length (16 bits) and
   * the whole ORDERED packet, header included.
   */
  ORDERED_BUNDLE(17),
  /**
   * Member -> sequencer: several DATA at once (sent while an earlier DATA of the member was not
   * ordered yet); aux = count. Body: per DATA, its length (16 bits) and the whole DATA packet.
   */
  DATA_BUNDLE(18);

  private static final GroupMessageType[] BY_WIRE = new GroupMessageType[32];

  static {
    for (GroupMessageType t : values()) {
      BY_WIRE[t.wire] = t;
    }
  }

  private final int wire;

  GroupMessageType(int wire) {
    this.wire = wire;
  }

  public int wire() {
    return wire;
  }

  /** The type of the records in a bundle of this type, or null if this is no bundle. */
  public GroupMessageType bundled() {
    return this == ORDERED_BUNDLE ? ORDERED : this == DATA_BUNDLE ? DATA : null;
  }

  /** The type with this wire number, or null. Never throws. */
  public static GroupMessageType of(int wire) {
    return wire >= 0 && wire < BY_WIRE.length ? BY_WIRE[wire] : null;
  }
}
