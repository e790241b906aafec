package amoeba.flip.wire;

/**
 * FLIP packet types with their fixed wire numbers (the {@code type} byte of {@link FlipHeader}).
 * Numbers are never reused; 0 is not a type.
 */
public enum PacketType {
  /** Who has this address? Broadcast with a hop limit. */
  LOCATE(1),
  /** Answer to LOCATE: the address is reachable through the sender. */
  HEREIS(2),
  /** Point-to-point data. */
  UNIDATA(3),
  /** Group (multicast) data. */
  MULTIDATA(4),
  /** A UNIDATA returned because its destination is not (or no longer) on the box it reached. */
  NOTHERE(5),
  /** A security-required packet returned because no trusted route exists. */
  UNTRUSTED(6),
  /**
   * Ours, not Amoeba's: a receiver asks the sender of a partly received UNIDATA message (same
   * message id, source = the receiver) to send these byte ranges again. Payload: a u16 count,
   * then count pairs (offset u32, end u32). Lets a 16 MiB message survive a lossy network.
   */
  RESEND(7);

  // Index = wire code; built once so fromCode neither allocates nor throws.
  private static final PacketType[] BY_CODE = new PacketType[8];

  static {
    for (PacketType t : values()) {
      BY_CODE[t.code] = t;
    }
  }

  private final int code;

  PacketType(int code) {
    this.code = code;
  }

  /** The wire number, 1..255. */
  public int code() {
    return code;
  }

  /** The type with wire number {@code code}, or {@code null} if none (never throws). */
  public static PacketType fromCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
