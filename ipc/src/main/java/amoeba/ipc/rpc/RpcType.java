package amoeba.ipc.rpc;

/**
 * The RPC packet types, with fixed wire numbers (the {@code type} byte of {@link RpcHeader}).
 * Never renumber, never reuse; 0 is never a type, so a zeroed header is malformed.
 */
public enum RpcType {
  /** Client to server: execute this (header and data follow). Resent until ACK or REPLY. */
  REQUEST(1),
  /** Server to client: the result; stored by the server until the client's next transaction. */
  REPLY(2),
  /** Server to client, for a duplicate REQUEST: received, being executed; stop resending. */
  ACK(3),
  /** Client to server after an ACK: are you still working on my transaction? */
  ENQUIRE(4),
  /** Server to client, for an ENQUIRE: still executing it. */
  ALIVE(5),
  /**
   * Server to client: refused; the Amoeba header's status says why. TRYAGAIN: not executed
   * (the table is full, or with {@link RpcHeader#FLAG_OTHER_INSTANCE} the first send of a
   * REQUEST that named another instance). FAILURE: the transaction may have run elsewhere or
   * its state is gone (a retransmission or ENQUIRE naming another instance, or unknown here).
   */
  NAK(6),
  /**
   * Client to server, before the first REQUEST to a port whose instance the client does not
   * know yet: name your instance. Answered by IDENTITY (same transaction id) carrying it. Then
   * every REQUEST names that instance, so a retransmission routed to another replica is
   * refused rather than executed a second time.
   */
  IDENTIFY(7),
  /**
   * Server to client, for an IDENTIFY: the instance id in the RPC header. A type of its own so
   * a late or duplicated one is never taken for an ALIVE about an executing request.
   */
  IDENTITY(8),
  /**
   * Local only: a server's keeper thread pokes its own endpoint so a waiting getreq looks at
   * requests the keeper received for it. Ignored from any other source.
   */
  WAKE(9);

  private static final RpcType[] BY_CODE = new RpcType[10];

  static {
    for (RpcType t : values()) {
      BY_CODE[t.code] = t;
    }
  }

  private final int code;

  RpcType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The type with this wire number, or null for a number we do not know. */
  public static RpcType fromCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
