package amoeba.servers.directory;

import amoeba.capabilities.ServerBlock;

/**
 * The directory server's commands (DIRECTORY block 2100..2199), fixed numbers, never reused.
 * Every command's capability names a directory; {@code path} is relative to it ('/'-separated
 * names, no empty component; empty = the directory itself where allowed) and is walked on the
 * server through rows naming directories of this server.
 *
 * <p>Rights of a directory capability (SOAP): bits 0..3 select the columns (owner, group,
 * other, a fourth) the holder reads through; {@link DirectoryState#MODIFY} (0x40) allows
 * changing rows; {@link DirectoryState#DESTROY} (0x80) destroying the directory. Walking a row
 * gives the rights OR-ed over the row's masks of the held columns.
 *
 * <pre>
 * CREATE   2101 MODIFY on parent  data: str path, u8 ncols (1..4), str column*,
 *                                      u8 nmasks (0..ncols of the parent), u8 mask*
 *                                 reply: 16 bytes, the new directory's owner capability
 * LOOKUP   2102 a column          data: str path            reply: capset (restricted)
 * LIST     2103 a column          data: str path (a dir)    reply: u8 ncols, str column*,
 *                                      u32 nrows, (str name, capset, u8 mask * ncols)*
 * APPEND   2104 MODIFY            data: str path, capset, u8 nmasks, u8 mask*   EXISTS if taken
 * REPLACE  2105 MODIFY            data: str path, capset                       NO_SUCH_OBJECT
 * DELETE   2106 MODIFY            data: str path                               NO_SUCH_OBJECT
 * CHMOD    2107 MODIFY            data: str path, u8 nmasks, u8 mask*
 * GETMASKS 2108 a column          data: str path            reply: u8 n, u8 mask*
 * INSTALL  2109 MODIFY on each    data: u8 n (1..16), (str path, u8 flags, [capset expected
 *                                      if flags &amp; 1: n=0 means absent], [capset new unless
 *                                      flags &amp; 2 (delete)])*; all or nothing. A compare
 *                                 that fails: EXISTS, reply u8 index of the item
 * SEQNO    2110 a column          data: str path (a dir)    reply: i64 sequence number (bumped
 *                                      by every change of the directory)
 * LEADER   2111 none (anonymous)  reply: i64 put-port of the leader port, served by the
 *                                      replica holding the group's lease; it takes the
 *                                      commands above (same capabilities) and reads without
 *                                      a group round
 * --- replica port (get-port "dir-replica"/BOARD, object 0, owner capability only) ---
 * FETCH    2120                   data: i64 marker id       reply: u8 kind (0 state follows,
 *                                      1 keep yours: it is newer, 2 not here), [snapshot]
 * STATUS   2121                   reply: key=value lines (index, synced, serving, view ...)
 *
 * capset: u8 n (1..8), n * 16-byte capability      str: u16 length, UTF-8
 * Standard: STD_INFO (any), STD_RESTRICT (any), STD_DESTROY (0x80, empty directory, not the
 * root), STD_REVOKE (owner, not the root); the last two are replicated like updates.
 * </pre>
 */
public enum DirectoryCommand {
  CREATE(1, true),
  LOOKUP(2, false),
  LIST(3, false),
  APPEND(4, true),
  REPLACE(5, true),
  DELETE(6, true),
  CHMOD(7, true),
  GETMASKS(8, false),
  INSTALL(9, true),
  SEQNO(10, false),
  LEADER(11, false),
  FETCH(20, false),
  STATUS(21, false);

  private final int code;
  private final boolean update;

  DirectoryCommand(int offset, boolean update) {
    this.code = ServerBlock.DIRECTORY.first() + offset;
    this.update = update;
  }

  public int code() {
    return code;
  }

  /** Whether it is a namespace command (CREATE .. SEQNO), the ones the leader port takes too. */
  public boolean namespace() {
    return ordinal() <= SEQNO.ordinal();
  }

  /** The command with this code, or null. */
  public static DirectoryCommand of(int code) {
    for (DirectoryCommand c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return null;
  }

  /** Whether it changes state (goes through the group's total order). */
  public boolean update() {
    return update;
  }
}
