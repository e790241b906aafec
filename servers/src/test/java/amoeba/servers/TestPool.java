package amoeba.servers;

import amoeba.flip.BoxConfig;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.kernel.BoardConfig;
import amoeba.kernel.Kernel;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import amoeba.kernel.process.ProgramStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Boards in one JVM over a loopback hub, running the system programs and two test programs:
 * {@code builtin:sleeper} (blocks until killed) and {@code builtin:hello} (prints "hello from
 * BOARD" and its arguments).
 */
public final class TestPool implements AutoCloseable {
  public static final byte[] KEY = "a pool key of the servers tests!".getBytes(StandardCharsets.US_ASCII);

  /** Blocks until killed. */
  public static final class Sleeper implements Program {
    @Override
    public int run(ProcessContext ctx) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        // killed
      }
      return 0;
    }
  }

  /** Prints one line and exits 0. */
  public static final class Hello implements Program {
    @Override
    public int run(ProcessContext ctx) {
      ctx.stdout().println("hello from " + ctx.board() + (ctx.args().isEmpty() ? "" : " " + String.join(" ", ctx.args())));
      return 0;
    }
  }

  private final LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
  private final Map<String, Kernel> boards = new LinkedHashMap<>();

  /** Boots the boards in order (the last booted has the warmest JIT, so the highest speed index). */
  public TestPool(String... names) {
    this(null, names);
  }

  /** Boards each with a data folder {@code data/NAME} (for Bullet and directory replicas), or none if null. */
  public TestPool(Path data, String... names) {
    Map<String, Supplier<? extends Program>> builtins = new HashMap<>(SystemPrograms.builtins());
    builtins.put("sleeper", Sleeper::new);
    builtins.put("hello", Hello::new);
    BoxConfig box = BoxConfig.defaults(1).withPoolKey(KEY);
    for (String name : names) {
      BoardConfig config = BoardConfig.emulated(name, box, List.of(hub.attach(name)))
          .withPrograms(new BoardConfig.Programs(builtins, ProgramStore.NONE));
      boards.put(name, Kernel.boot(data == null ? config : config.withDataFolder(data.resolve(name))));
    }
  }

  public Kernel board(String name) {
    return boards.get(name);
  }

  /** Processes still running on the board. */
  public long running(String name) {
    return boards.get(name).processes().stream().filter(p -> !p.state().finished()).count();
  }

  @Override
  public void close() {
    for (Kernel k : new ArrayList<>(boards.values())) {
      k.close();
    }
  }
}
