package amoeba.servers.bullet;

import amoeba.capabilities.ServerBlock;

/**
 * The Bullet file server's commands (BULLET block 2000..2099), fixed numbers, never reused.
 * Integers are big-endian; offsets and sizes are 64-bit so files may exceed the header's 32-bit
 * offset field. On BADPARAM (and NOSPACE, SYSERR) the reply data is the reason in UTF-8.
 *
 * <pre>
 * CREATE 2001  server cap, CREATE right
 *   request data:  0       1                       n
 *                  +-------+-----------------------+
 *                  | flags | first bytes of file   |   flags: bit 0 COMMIT, bit 1 SAFE
 *                  +-------+-----------------------+
 *   reply: capability = owner capability of the new file, uncommitted unless COMMIT was set
 *
 * WRITE  2002  uncommitted file, MODIFY right
 *   request data:  0               8                   n
 *                  +---------------+-------------------+
 *                  | u64 offset    | bytes             |   written at offset; chunks may come
 *                  +---------------+-------------------+   in any order and overlap
 *
 * COMMIT 2003  uncommitted file, MODIFY right
 *   request data:  0               8       9
 *                  +---------------+-------+
 *                  | u64 size      | flags |   flags: bit 1 SAFE (returns after fsync)
 *                  +---------------+-------+
 *   bytes 0..size-1 must all have been written (BADPARAM otherwise); the file becomes immutable.
 *   reply: capability = the file's owner capability (unchanged)
 *
 * READ   2004  committed file, READ right
 *   request data:  0               8           12
 *                  +---------------+-----------+
 *                  | u64 offset    | u32 max   |   max <= MAX_CHUNK_BYTES
 *                  +---------------+-----------+
 *   reply data:    0               8                   n
 *                  +---------------+-------------------+
 *                  | u64 file size | bytes             |   min(max, size - offset) bytes;
 *                  +---------------+-------------------+   none at or past the end
 *
 * SIZE   2005  committed file, READ right
 *   reply data:    u64 file size
 * </pre>
 *
 * Standard commands: STD_INFO (any valid capability), STD_TOUCH (any valid capability: resets a
 * committed file's lifetime), STD_DESTROY (file, DELETE), STD_AGE (server cap, ADMIN: one aging
 * pass), STD_RESTRICT, STD_REVOKE (owner: the file's new secret is persisted before the reply).
 */
public enum BulletCommand {
  CREATE(1),
  WRITE(2),
  COMMIT(3),
  READ(4),
  SIZE(5);

  /** CREATE flag: commit at once (the data is the whole file). */
  public static final int FLAG_COMMIT = 0x01;
  /** CREATE/COMMIT flag: reply only once the file and its folder entry are on disk (fsync). */
  public static final int FLAG_SAFE = 0x02;
  /** The most data one READ returns (and a sensible upper bound for a WRITE): 8 MiB. */
  public static final int MAX_CHUNK_BYTES = 8 << 20;

  private final int code;

  BulletCommand(int offset) {
    this.code = ServerBlock.BULLET.first() + offset;
  }

  public int code() {
    return code;
  }
}
