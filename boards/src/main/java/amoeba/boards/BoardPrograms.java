package amoeba.boards;

import amoeba.drivers.DeviceServer;
import amoeba.kernel.BoardConfig;
import amoeba.kernel.api.Program;
import amoeba.servers.SystemPrograms;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The final registry of system programs a board runs: the servers' ({@link
 * SystemPrograms#builtins()}) plus the board's own hardware server, "devices". It is composed
 * here because servers/ must not depend on drivers/; {@code amoeba boot} takes its programs from
 * this class.
 */
public final class BoardPrograms {
  private BoardPrograms() {}

  public static Map<String, Supplier<? extends Program>> builtins() {
    Map<String, Supplier<? extends Program>> m = new TreeMap<>(SystemPrograms.builtins());
    m.put(DeviceServer.SERVICE, DevicesProgram::new);
    return m;
  }

  /** What a board of this pool runs and fetches with. */
  public static BoardConfig.Programs forBoards() {
    return new BoardConfig.Programs(builtins(), SystemPrograms.forBoards().store());
  }
}
