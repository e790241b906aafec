package amoeba.servers.run;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * How the run server picks a board, in the spirit of Amoeba's run server:
 *
 * <pre>
 * score(board) = speed_index / (load + 1) x min(free_memory_MiB, memoryCapMib)
 *
 *   speed_index   KiB/s of SHA-256 on one thread, measured by the board at boot
 *   load          runnable work: running processes + busy cores (see {@link BoardStatus}),
 *                 plus the programs this run server placed there since the board's last poll
 *   free_memory   free heap in MiB (2^20 bytes); capped at memoryCapMib (default 256) because
 *                 memory beyond what a program needs does not make a board better
 * </pre>
 *
 * Only reachable boards that meet every constraint are candidates. The choice is uniformly
 * random among the candidates whose score is at least (1 - nearBest) x the best score (default
 * nearBest 0.2: within 20% of the best), so many clients placing at once spread over equally
 * good boards instead of all landing on the one that looked best at the last poll (a herd).
 */
public final class Placement {
  public static final long DEFAULT_MEMORY_CAP_MIB = 256;
  public static final double DEFAULT_NEAR_BEST = 0.2;

  private final double nearBest;
  private final long memoryCapMib;

  /**
   * @param nearBest 0..1: the fraction below the best score still counted near-best
   * @param memoryCapMib free memory beyond this many MiB adds nothing to a score
   */
  public Placement(double nearBest, long memoryCapMib) {
    if (!(nearBest >= 0 && nearBest <= 1) || memoryCapMib < 1) {
      throw new IllegalArgumentException("nearBest 0..1, memoryCapMib >= 1: " + nearBest + ", " + memoryCapMib);
    }
    this.nearBest = nearBest;
    this.memoryCapMib = memoryCapMib;
  }

  public static Placement defaults() {
    return new Placement(DEFAULT_NEAR_BEST, DEFAULT_MEMORY_CAP_MIB);
  }

  /** The board's score (see the class comment); 0 for an unreachable board. */
  public double score(BoardStatus b) {
    if (!b.reachable()) {
      return 0;
    }
    double freeMib = Math.max(0, b.freeMemoryBytes()) / (double) (1 << 20);
    return Math.max(0, b.speedIndex()) / (Math.max(0, b.load()) + 1.0) * Math.min(freeMib, memoryCapMib);
  }

  /** No reachable board meets the constraints; the message says why for each board. */
  public static final class NoBoardFits extends Exception {
    private static final long serialVersionUID = 1L;

    NoBoardFits(String message) {
      super(message);
    }
  }

  /** The near-best candidates, best first (what {@link #choose} draws from). */
  public List<BoardStatus> nearBest(List<BoardStatus> boards, Constraints constraints) throws NoBoardFits {
    List<BoardStatus> fit = new ArrayList<>();
    List<String> why = new ArrayList<>();
    for (BoardStatus b : boards) {
      String misfit = b.reachable() ? constraints.misfit(b) : "does not answer";
      if (misfit == null) {
        fit.add(b);
      } else {
        why.add(b.name() + ": " + misfit);
      }
    }
    if (fit.isEmpty()) {
      throw new NoBoardFits("no board fits " + constraints
          + (why.isEmpty() ? ": the run server knows no boards" : " (" + String.join("; ", why) + ")"));
    }
    fit.sort((a, b) -> Double.compare(score(b), score(a)));
    double threshold = score(fit.get(0)) * (1 - nearBest);
    List<BoardStatus> near = new ArrayList<>();
    for (BoardStatus b : fit) {
      if (score(b) >= threshold) {
        near.add(b);
      }
    }
    return near;
  }

  /** A board for a program: random among the near-best candidates. */
  public BoardStatus choose(List<BoardStatus> boards, Constraints constraints, RandomGenerator random)
      throws NoBoardFits {
    List<BoardStatus> near = nearBest(boards, constraints);
    return near.get(random.nextInt(near.size()));
  }
}
