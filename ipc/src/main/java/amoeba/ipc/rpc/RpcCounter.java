package amoeba.ipc.rpc;

/** What {@link RpcStats} counts: traffic, retransmissions, failures and every dropped message. */
public enum RpcCounter {
  // client
  CALLS,
  CALLS_OK,
  REQUESTS_SENT,
  REQUEST_RETRANSMISSIONS,
  ACKS_RECEIVED,
  ENQUIRIES_SENT,
  ALIVES_RECEIVED,
  NAKS_RECEIVED,
  NOTFOUND,
  FAILURES,
  LOCATES,
  /** A reply or ACK for an earlier transaction of the same client endpoint: dropped. */
  STALE_DROPS,
  /** A server message from an instance other than the pinned one: dropped. */
  OTHER_INSTANCE_DROPS,
  // server
  REQUESTS_EXECUTED,
  REPLIES_SENT,
  DUPLICATES_ACKED,
  REPLIES_RESENT,
  /** A duplicate that came sooner than the stored reply could have arrived: not resent. */
  RESENDS_PACED,
  ALIVES_SENT,
  NAKS_SENT,
  /** A REQUEST older than the client's last transaction: dropped. */
  OLD_REQUEST_DROPS,
  /** A REQUEST refused with TRYAGAIN because the transaction table was full. */
  TABLE_FULL,
  /** Transactions dropped from the table after their TTL (dead or idle clients). */
  TABLE_EXPIRED,
  /** A putrep for a transaction the client already gave up on: not sent. */
  LATE_REPLY_DROPS,
  /** A REQUEST the keeper thread received and passed to a getreq thread (slow path). */
  KEEPER_HANDOFFS,
  // both
  /** Shorter than both headers, or a wrong version or type: dropped. */
  MALFORMED_DROPS,
  /** A message type this side never receives (e.g. a REQUEST at a client): dropped. */
  UNEXPECTED_DROPS
}
