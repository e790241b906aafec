package amoeba.kernel.api;

/**
 * A program whose state can be written to bytes and read back on another board (migration).
 * The kernel calls {@link #checkpoint} only while the process is stunned, and {@link #restore}
 * before {@link Program#run} of the new incarnation.
 */
public interface Checkpointable {
  /** The program's state; must be self-contained (no references to this board). */
  byte[] checkpoint();

  /** Takes the state {@link #checkpoint} produced; called before {@code run}. */
  void restore(byte[] state);
}
