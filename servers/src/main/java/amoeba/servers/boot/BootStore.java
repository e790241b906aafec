package amoeba.servers.boot;

import amoeba.capabilities.Capability;
import java.io.IOException;
import java.util.List;

/**
 * Where the boot server keeps its configuration and the instances it started, so a restarted
 * boot server finds its services and adopts the instances still running. Today a file in the
 * program's storage ({@link FileBootStore}); the seam lets it move into the directory.
 */
public interface BootStore {
  /** An instance as remembered: enough to poll it (its capability) and to say where it is. */
  record Remembered(String service, String board, int pid, Capability capability) {}

  /** What is saved: every service and every instance believed alive. */
  record State(List<ServiceSpec> services, List<Remembered> instances) {
    public static final State EMPTY = new State(List.of(), List.of());

    public State {
      services = List.copyOf(services);
      instances = List.copyOf(instances);
    }
  }

  /** The last saved state, or {@link State#EMPTY} when nothing was saved yet. */
  State load() throws IOException;

  /** Replaces the saved state (atomically: a crash leaves the old or the new one). */
  void save(State state) throws IOException;

  /** A store in memory (tests; a board without a data folder). */
  static BootStore inMemory() {
    return new BootStore() {
      private State state = State.EMPTY;

      @Override
      public synchronized State load() {
        return state;
      }

      @Override
      public synchronized void save(State s) {
        state = s;
      }
    };
  }
}
