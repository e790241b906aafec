package amoeba.kernel.server;

import amoeba.capabilities.ServerBlock;

/**
 * The process server's commands (PROCESS block 2300..2399), fixed numbers, never reused.
 * Commands on a process accept the process's capability, or the server's root capability and
 * the pid as the first field of the request data (0 when a process capability is used).
 *
 * <pre>
 * EXEC        2301 root, CREATE   data: str source, u16 argc, str*, u16 envc, (str k, str v)*,
 *                                 optionally: u8 isolation (0 thread, 1 jvm), i32 heapMb (jvm),
 *                                 i32 n (-1: none), n bytes: a checkpoint to restore before run,
 *                                 optionally (a migration): u16 servers, per server: u64 putPort,
 *                                 u64 instance, i32 n, n bytes transaction table (RpcServer
 *                                 exportTable); with a checkpoint the reply waits (at most
 *                                 STUN_WAIT_MS) until the program serves those ports again
 *                                 reply: capability = the process's owner cap, offset = pid;
 *                                 on failure the data is the reason (UTF-8)
 * LIST        2302 root, READ     reply data: u32 n, ProcessInfo*
 * KILL        2303 proc, DELETE   data: u32 pid;  reply: ProcessInfo
 * STATUS      2304 proc, READ     data: u32 pid, u32 waitMs (waits for the end); reply: ProcessInfo
 * READ_OUTPUT 2305 proc, READ     data: u32 pid, u64 outOffset, u64 errOffset, u32 waitMs,
 *                                 u32 maxBytes; waits until there is news or the end.
 *                                 reply: u64 outStart, u32 n, bytes, u64 errStart, u32 n, bytes,
 *                                 ProcessInfo
 * WRITE_STDIN 2306 proc, MODIFY   data: u32 pid, u8 close, bytes; NOTNOW if the pipe is full
 * STUN        2307 proc, MODIFY   data: u32 pid, u32 waitMs; reply: ProcessInfo (STUNNED or not)
 * MIGRATE     2308 proc, DELETE   data: u32 pid, str board; stun, checkpoint, EXEC with the
 *                                 checkpoint on the board, close here. reply: capability = the
 *                                 new process's owner cap, offset = its pid. BADPARAM with the
 *                                 reason for a program that is not Checkpointable
 *
 * ProcessInfo: u32 pid, str name, u8 state, i32 status, u64 cpuNanos, u32 threads, u64 startMs
 * str: u16 length, UTF-8
 * source: builtin:NAME (a system program of the board), cap:HEX (a jar in a file server),
 *         or the absolute path of a jar on the board
 * </pre>
 */
public enum ProcessCommand {
  EXEC(1),
  LIST(2),
  KILL(3),
  STATUS(4),
  READ_OUTPUT(5),
  WRITE_STDIN(6),
  STUN(7),
  MIGRATE(8);

  private final int code;

  ProcessCommand(int offset) {
    this.code = ServerBlock.PROCESS.first() + offset;
  }

  public int code() {
    return code;
  }
}
