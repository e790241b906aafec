package amoeba.kernel.process;

import java.util.Optional;

/** A process's life; the numbers are wire numbers (process server replies), never reused. */
public enum ProcessState {
  RUNNING(1),
  /** {@code run} returned: the exit status is its return value. */
  EXITED(2),
  /** {@code run} threw (status 1, stack trace on stderr), or the program could not start. */
  CRASHED(3),
  /** Killed: status 137; threads that ignore interruption may still run (see Kernel docs). */
  KILLED(4),
  /** Stopped at a safe point ({@code run} returned on a stun) for a checkpoint; servers open. */
  STUNNED(5),
  /** Moved to another board: its state lives on there (new pid); servers closed here. */
  MIGRATED(6);

  private final int code;

  ProcessState(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public boolean finished() {
    return this != RUNNING && this != STUNNED;
  }

  public static Optional<ProcessState> fromCode(int code) {
    for (ProcessState s : values()) {
      if (s.code == code) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
