package amoeba.servers.run;

import amoeba.kernel.server.Wire;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the run server last learned of a board from its sys server (INFO and LOAD).
 *
 * @param speedIndex the board's speed index (INFO/LOAD "speed_index": KiB/s of SHA-256 on one
 *     thread, measured at boot)
 * @param load runnable work on the board: its running processes (INFO "processes") plus its
 *     busy cores (LOAD "process_cpu_load" x INFO "cores"); 0 for an idle board
 * @param freeMemoryBytes heap the board can still give (LOAD "free_heap_bytes")
 * @param reachable false when the last poll got no answer: such a board is never chosen
 */
public record BoardStatus(String name, String model, Set<String> tags, long speedIndex, double load,
    long freeMemoryBytes, boolean reachable) {

  public BoardStatus {
    tags = Collections.unmodifiableSortedSet(new TreeSet<>(tags));
  }

  /** A board that did not answer its last poll. */
  public static BoardStatus unreachable(String name) {
    return new BoardStatus(name, "", Set.of(), 0, 0, 0, false);
  }

  /** From a sys server's INFO and LOAD replies; missing or malformed numbers count as 0. */
  public static BoardStatus of(String name, Map<String, String> info, Map<String, String> load) {
    int cores = (int) number(info.get("cores"));
    double cpu = Math.max(0, number(load.get("process_cpu_load"))); // -1: not measurable
    double running = number(info.get("processes"));
    Set<String> tags = new TreeSet<>();
    String t = info.getOrDefault("tags", "");
    for (String tag : t.split(",")) {
      if (!tag.isBlank()) {
        tags.add(tag.trim());
      }
    }
    return new BoardStatus(name, info.getOrDefault("model", ""), tags, (long) number(load.get("speed_index")),
        running + cpu * Math.max(1, cores), (long) number(load.get("free_heap_bytes")), true);
  }

  private static double number(String s) {
    if (s == null) {
      return 0;
    }
    try {
      double v = Double.parseDouble(s);
      return Double.isFinite(v) ? v : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** This board with {@code extra} more runnable work (placements since its last poll). */
  public BoardStatus plusLoad(double extra) {
    return new BoardStatus(name, model, tags, speedIndex, load + extra, freeMemoryBytes, reachable);
  }

  /**
   * wire: str name, str model, u8 reachable, u64 speedIndex, u32 load in thousandths,
   * u64 freeMemoryBytes, u16 n, str* tags
   */
  public void write(Wire.Out out) {
    out.str(name).str(model).u8(reachable ? 1 : 0).i64(speedIndex).i32((int) Math.min(Integer.MAX_VALUE, load * 1000))
        .i64(freeMemoryBytes).u16(tags.size());
    tags.forEach(out::str);
  }

  public static BoardStatus read(Wire.In in) throws Wire.Malformed {
    String name = in.str();
    String model = in.str();
    boolean reachable = in.u8() != 0;
    long speed = in.i64();
    double load = in.i32() / 1000.0;
    long free = in.i64();
    Set<String> tags = new TreeSet<>();
    for (int n = in.u16(); n > 0; n--) {
      tags.add(in.str());
    }
    return new BoardStatus(name, model, tags, speed, load, free, reachable);
  }
}
