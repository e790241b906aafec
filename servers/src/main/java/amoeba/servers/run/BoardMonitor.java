package amoeba.servers.run;

import amoeba.capabilities.Capability;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.SysClient;
import amoeba.servers.BoardList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tinylog.Logger;

/**
 * The run server's picture of the pool: the boards of a {@link BoardList}, each polled by a
 * {@link Probe} (its sys server's INFO and LOAD) on every {@link #pollAll}. A board that does not
 * answer is kept as unreachable (never chosen) until it answers again. Programs placed on a
 * board since its last poll count as load, so a burst of requests does not pile onto the board
 * that looked best at the last poll.
 */
public final class BoardMonitor {
  /** Asks one board how it is; throws when it does not answer. */
  @FunctionalInterface
  public interface Probe {
    BoardStatus probe(String board) throws RpcException;
  }

  /** The probe of a live pool: the board's sys server, INFO then LOAD. */
  public static Probe sysServers(SysClient sys, Function<String, Capability> sysServerOf) {
    return board -> {
      Capability cap = sysServerOf.apply(board);
      return BoardStatus.of(board, sys.info(cap), sys.load(cap));
    };
  }

  private final BoardList boards;
  private final Probe probe;
  /** Guarded by this. */
  private final Map<String, BoardStatus> last = new HashMap<>();
  /** Placements since each board's last poll; guarded by this. */
  private final Map<String, Integer> placed = new HashMap<>();
  /** Boards marked unreachable since the running poll began; guarded by this. */
  private final Set<String> markedDuringPoll = new HashSet<>();
  /** Held by the one running poll. */
  private final Object polling = new Object();
  private volatile boolean polled;
  /** Guarded by polling: the last poll found no board list (logged once). */
  private boolean listMissing;

  public BoardMonitor(BoardList boards, Probe probe) {
    this.boards = boards;
    this.probe = probe;
  }

  /**
   * Polls every board once (sequentially; a silent board costs the probe's timeout). Polls do
   * not overlap; a board marked unreachable while a poll runs stays so until the next poll.
   */
  public void pollAll() {
    synchronized (polling) {
      List<String> names;
      try {
        names = boards.boards();
        if (listMissing) {
          listMissing = false;
          Logger.info("run server: the board list is available again");
        }
      } catch (RpcException e) {
        if (!listMissing) { // once per outage, not once per poll
          listMissing = true;
          Logger.warn("run server: the board list is not available ({}); keeping the last picture", e.getMessage());
        }
        return;
      }
      synchronized (this) {
        markedDuringPoll.clear();
      }
      Map<String, BoardStatus> fresh = new HashMap<>();
      for (String b : names) {
        BoardStatus s;
        try {
          s = probe.probe(b);
        } catch (RpcException e) {
          s = BoardStatus.unreachable(b);
        }
        fresh.put(b, s);
      }
      synchronized (this) {
        markedDuringPoll.forEach(b -> fresh.computeIfPresent(b, (k, v) -> BoardStatus.unreachable(k)));
        last.clear();
        last.putAll(fresh);
        placed.clear();
      }
      polled = true;
    }
  }

  /** Polls now unless a poll has finished already (waits for one that is running). */
  public void ensurePolled() {
    synchronized (polling) {
      if (!polled) {
        pollAll();
      }
    }
  }

  /** Whether at least one poll finished. */
  public boolean polled() {
    return polled;
  }

  /** Every known board, sorted by name, with placements since its poll added to its load. */
  public synchronized List<BoardStatus> snapshot() {
    List<BoardStatus> all = new ArrayList<>();
    for (BoardStatus s : last.values()) {
      all.add(s.plusLoad(placed.getOrDefault(s.name(), 0)));
    }
    all.sort((a, b) -> a.name().compareTo(b.name()));
    return all;
  }

  /** A program was started on {@code board}. */
  public synchronized void placed(String board) {
    placed.merge(board, 1, Integer::sum);
  }

  /** {@code board} failed a call: not chosen again until a poll finds it answering. */
  public synchronized void unreachable(String board) {
    last.put(board, BoardStatus.unreachable(board));
    markedDuringPoll.add(board);
  }
}
