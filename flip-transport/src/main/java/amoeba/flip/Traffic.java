package amoeba.flip;

/** What a box did, counted (drops are counted separately, by reason). */
public enum Traffic {
  PACKETS_SENT("packets sent on a network"),
  PACKETS_RECEIVED("packets read from a network"),
  MESSAGES_SENT("messages sent by local endpoints"),
  MESSAGES_DELIVERED("messages handed to local endpoints"),
  LOCAL_DELIVERIES("messages delivered inside the box without a network"),
  LOCATES_SENT("LOCATE broadcasts, retries included"),
  HEREIS_SENT("HEREIS answers"),
  NOTHERE_SENT("UNIDATA for an address not held here, returned as NOTHERE"),
  NOTHERE_RECEIVED("NOTHERE returns: a hint was stale"),
  RESENT_AFTER_LOCATE("packets sent once their destination was located"),
  FORWARDED("packets passed on between networks (this box routes)"),
  RESENDS_SENT("RESEND requests for the missing parts of stalled messages"),
  FRAGMENTS_REPAIRED("fragments sent again because a receiver asked"),
  REPAIRS_UNAVAILABLE("RESEND requests for messages no longer retained"),
  POOL_MISSES("receive buffers allocated because the pool was empty");

  private final String description;

  Traffic(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }
}
