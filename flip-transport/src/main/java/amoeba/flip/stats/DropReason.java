package amoeba.flip.stats;

/**
 * Why a FLIP box dropped a packet or a message. One registry for the whole transport: the header
 * check, packet authentication, reassembly and the box count into a {@link DropCounters} by these
 * reasons, and tests assert on them. Append new reasons at the end; never reorder (ordinals index
 * the counters and may appear in exported statistics).
 */
public enum DropReason {
  SHORT_HEADER("packet shorter than the 56-byte FLIP header"),
  BAD_VERSION("header version is not 1"),
  BAD_TYPE("unknown packet type"),
  BAD_HEADER("reserved header bytes or unknown flag bits are not zero"),
  BAD_LENGTH("header length (+ tag) disagrees with the received packet length"),
  BAD_FRAGMENT("fragment inconsistent: offset + length > total, or it contradicts earlier ones"),
  TOO_LARGE("message total exceeds the largest message this box accepts"),
  WRONG_POOL("packet belongs to another pool"),
  MISSING_TAG("pool has a key but the packet is not authenticated"),
  BAD_TAG("authentication tag does not verify"),
  REPLAY("sequence already seen or older than the replay window"),
  HOP_LIMIT("hop count exceeds max hops"),
  REASSEMBLY_OVERFLOW("reassembly budget (per message, per source or total) exhausted"),
  REASSEMBLY_TIMEOUT("partial message not completed within the reassembly timeout"),
  DUPLICATE_FRAGMENT("fragment already received, or its message already completed"),
  NOT_HERE("destination address not registered on this box"),
  INBOX_FULL("endpoint's receive queue is full"),
  LOCATE_TIMEOUT("no HEREIS answered a LOCATE in time"),
  NO_ROUTE("no network reaches the destination"),
  SEND_FAILED("the network refused to send the packet");

  private final String description;

  DropReason(String description) {
    this.description = description;
  }

  /** One line for logs and statistics pages. */
  public String description() {
    return description;
  }
}
