package amoeba.servers.coord;

import amoeba.capabilities.ServerBlock;

/**
 * Commands of the coordination servers (COORDINATION block 2700..2799), fixed numbers, never
 * reused. Every command names object 0 of its server (the lock server "lock"/"pool", or a
 * board's coordination participant "coord"/BOARD); that capability is derived from the pool
 * key, so only pool-key holders (boards, the CLI) can send them. Data is big-endian ({@code
 * amoeba.kernel.server.Wire}); {@code str} is a u16 length and that many bytes of UTF-8.
 *
 * <p>Lock commands, answered by the lock server (algorithm central) and by every "coord"
 * participant (ring, ricart: the participant acquires the lock among its peers for the caller):
 *
 * <pre>
 * ACQUIRE 2701 MODIFY  req: algo u8 | name str | client i64 | label str | lease_ms i32 | wait_ms i32
 *                      rep: granted u8 | fence i64 | queue_position i32
 *           waits at most wait_ms (the server caps it at 2 s: a long-poll; ask again with the
 *           same client id to keep the queue position). A client id holds at most one lock name.
 * RELEASE 2702 MODIFY  req: algo u8 | name str | client i64 | fence i64      rep: released u8
 * RENEW   2703 MODIFY  req: algo u8 | name str | client i64 | fence i64 | lease_ms i32
 *                      rep: (empty); NO_SUCH_OBJECT if the caller no longer holds the lock
 * CANCEL  2704 MODIFY  req: algo u8 | name str | client i64     (leave the queue)  rep: (empty)
 * STATUS  2705 READ    req: algo u8 | name str
 *                      rep: held u8 | holder str | fence i64 | lease_left_ms i32 | waiting i32
 *                           | messages i64 | entries i64
 * </pre>
 *
 * <p>Peer messages between "coord" participants (each is one RPC transaction; the RPC reply is
 * the transport's acknowledgement, not a protocol message, except where a reply is listed):
 *
 * <pre>
 * RING_TOKEN    2711 MODIFY  name str | gen i64 | creator str | fence i64 | hops i64
 * RING_CLAIM    2712 MODIFY  name str | gen i64 | creator str
 * RA_REQUEST    2721 MODIFY  name str | timestamp i64 | from str
 * RA_REPLY      2722 MODIFY  name str | timestamp i64 (the request answered) | from str
 * PING          2730 MODIFY  from str                         (failure detection)
 * ELECTION      2741 MODIFY  group str | from_id i32          rep: term i64 (the OK)
 * COORDINATOR   2742 MODIFY  group str | leader_id i32 | leader str | term i64
 *                            rep: term i64; NOTNOW if the receiver knows a newer term
 * ELECT_STATUS  2750 READ    group str
 *                            rep: bully_leader str | bully_term i64 | group_leader str | group_term i64
 * </pre>
 */
public enum CoordCommand {
  ACQUIRE(1),
  RELEASE(2),
  RENEW(3),
  CANCEL(4),
  STATUS(5),
  RING_TOKEN(11),
  RING_CLAIM(12),
  RA_REQUEST(21),
  RA_REPLY(22),
  PING(30),
  ELECTION(41),
  COORDINATOR(42),
  ELECT_STATUS(50);

  private final int code;

  CoordCommand(int offset) {
    this.code = ServerBlock.COORDINATION.first() + offset;
  }

  public int code() {
    return code;
  }
}
