package amoeba.servers.run;

import amoeba.capabilities.ServerBlock;

/**
 * The run server's commands (RUN block 2500..2599), fixed numbers, never reused. Both work on
 * object 0, the service, whose owner capability is derived from the pool key
 * ({@code BoardPorts.owner(key, "run", "pool")}); every instance of the run server serves the
 * same get-port and accepts the same capabilities.
 *
 * <pre>
 * RUN    2501 CREATE  data: str source, u16 argc, str*, u16 envc, (str k, str v)*, Constraints
 *                     source: cap:HEX (a Bullet file), builtin:NAME, or an absolute jar path
 *                     on the boards' file system
 *                     reply: capability = the process's owner capability, offset = pid,
 *                     data: str board
 *                     errors: BADPARAM (malformed; or the board refused the program: data is
 *                     the reason), NOTNOW (no reachable board fits: data says why, per board)
 * BOARDS 2502 READ    reply data: u16 n, (BoardStatus, u64 score)*, the picture placement uses
 *
 * Constraints: str on, str model, u16 n, str* avoid, u16 n, str* tags       ({@link Constraints})
 * BoardStatus: str name, str model, u8 reachable, u64 speedIndex, u32 load x 1000,
 *              u64 freeMemoryBytes, u16 n, str* tags                         ({@link BoardStatus})
 * str: u16 length, UTF-8; integers big-endian
 * </pre>
 */
public enum RunCommand {
  RUN(1),
  BOARDS(2);

  private final int code;

  RunCommand(int offset) {
    this.code = ServerBlock.RUN.first() + offset;
  }

  public int code() {
    return code;
  }
}
