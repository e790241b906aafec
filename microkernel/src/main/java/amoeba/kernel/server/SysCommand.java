package amoeba.kernel.server;

import amoeba.capabilities.ServerBlock;

/**
 * The sys server's commands (SYS block 2900..2999), fixed numbers, never reused. Replies are
 * UTF-8 text, one {@code key=value} per line (stable keys: scripts and --json read them).
 *
 * <pre>
 * INFO     2901 board, READ   name, model, cores, max_memory_bytes, jvm, uptime_ms, processes
 * LOAD     2902 board, READ   runnable_threads, load_average, process_cpu_load, free_heap_bytes,
 *                             used_heap_bytes, speed_index, flip_drops
 * SHUTDOWN 2903 board, owner  the board stops after replying
 * PEERS    2904 board, READ   one line per peer board: NAME=up|down MS (ms since its last answer),
 *                             as this board's PoolWatch sees them; empty without a watch
 * </pre>
 */
public enum SysCommand {
  INFO(1),
  LOAD(2),
  SHUTDOWN(3),
  PEERS(4);

  private final int code;

  SysCommand(int offset) {
    this.code = ServerBlock.SYS.first() + offset;
  }

  public int code() {
    return code;
  }
}
