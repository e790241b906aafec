package amoeba.servers;

import amoeba.kernel.BoardConfig;
import amoeba.kernel.api.Program;
import amoeba.kernel.process.ProgramStore;
import amoeba.servers.boot.BootProgram;
import amoeba.servers.run.RunProgram;
import amoeba.servers.coord.CoordProgram;
import amoeba.servers.coord.central.LockProgram;
import amoeba.servers.directory.DirectoryServer;
import amoeba.servers.directory.Publish;
import amoeba.servers.bullet.BulletProgram;
import amoeba.servers.bullet.BulletProgramStore;
import amoeba.servers.bullet.BulletServer;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The registry of system programs: every server a board can run as {@code builtin:NAME}
 * ({@code amoeba boot --service NAME}, or the boot server placing it), and the store boards
 * fetch program files from. One entry per server; names are what users type.
 */
public final class SystemPrograms {
  private SystemPrograms() {}

  /** Name -> a fresh instance of the server program. */
  public static Map<String, Supplier<? extends Program>> builtins() {
    Map<String, Supplier<? extends Program>> m = new TreeMap<>();
    m.put(RunProgram.SERVICE, RunProgram::new);
    m.put(BootProgram.SERVICE, BootProgram::new);
    m.put("lock", LockProgram::new);
    m.put("coord", CoordProgram::new);
    m.put("dir", DirectoryServer::new);
    m.put("publish", Publish::new);
    m.put(BulletServer.SERVICE, BulletProgram::new);
    return m;
  }

  /** What a board of this pool runs and fetches with. */
  public static BoardConfig.Programs forBoards() {
    return new BoardConfig.Programs(builtins(), new BulletProgramStore());
  }
}
