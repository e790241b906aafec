package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.bullet.BulletClient;
import amoeba.servers.bullet.BulletServer;
import amoeba.servers.directory.CapabilitySet;
import amoeba.servers.directory.DirectoryClient;
import amoeba.tools.bench.PeerProcess;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba emulate}: a pool of emulated boards on this host, one JVM each, on UDP multicast
 * over the loopback interface with TTL 0 (nothing leaves the machine). Writes the pool profile
 * and makes it current, so every other command reaches the pool with no options; stays in the
 * foreground and stops every board on Ctrl-C.
 */
@Command(
    name = "emulate",
    description = "Run a pool of emulated boards on this host (Ctrl-C stops them all).",
    footer = {"", "Examples:  amoeba emulate --boards 4", "           amoeba emulate --demo",
        "           amoeba emulate --faults loss=10%,dup=2% --restart"})
final class EmulateCommand implements Callable<Integer> {
  @Option(names = "--boards", defaultValue = "4", description = "Boards to start, 1..16 (default: ${DEFAULT-VALUE}).")
  int boards;

  @Option(names = "--pool", defaultValue = "emulated", description = "Profile name (default: ${DEFAULT-VALUE}).")
  String pool;

  @Option(names = "--group-port", defaultValue = "7700", description = "Multicast port (default: ${DEFAULT-VALUE}).")
  int groupPort;

  @Option(names = "--seconds", defaultValue = "0", description = "Stop after this many seconds (default: run until Ctrl-C).")
  long seconds;

  @Option(names = "--faults", paramLabel = "SPEC",
      description = "Packet faults on every board from the start, e.g. loss=10%,dup=2%,reorder=5% (see 'amoeba chaos').")
  String faults;

  @Option(names = "--restart", description = "Start a board again when its process dies.")
  boolean restart;

  @Option(names = "--demo", description = "A guided tour once the pool is up: files, placement, migration under load,"
      + " a board killed and masked, a sensor driving a fan (implies --restart).")
  boolean demo;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (boards < 1 || boards > 16) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--boards must be 1..16");
    }
    Properties initialFaults = new Properties();
    if (faults != null) {
      try {
        ChaosAgent.parseFaults(faults).forEach(initialFaults::setProperty);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--faults: " + e.getMessage());
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    String keyHex = HexFormat.of().formatHex(key);
    int poolId = 1 + random.nextInt(1 << 30);

    Properties profile = new Properties();
    profile.setProperty("transport", "udp");
    profile.setProperty("interface", "lo");
    profile.setProperty("bind", "127.0.0.1");
    profile.setProperty("ttl", "0");
    profile.setProperty("group-port", Integer.toString(groupPort));
    profile.setProperty("pool-id", Integer.toString(poolId));
    profile.setProperty("pool-key-hex", keyHex);
    profile.setProperty(PoolProfile.BOARD_NAMES, String.join(",", boardNames()));
    Path dir = PoolProfile.write(pool, profile);
    // The boards get the key from a file only their owner reads, not on their command lines.
    Path keyFile = dir.resolve("pool.key");
    Files.deleteIfExists(keyFile);
    Files.createFile(keyFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    Files.writeString(keyFile, keyHex + "\n");
    Path chaos = dir.resolve("chaos");
    Files.createDirectories(chaos);
    try (var old = Files.list(chaos)) {
      for (Path f : (Iterable<Path>) old::iterator) {
        Files.delete(f); // stations and pids of an earlier run
      }
    }
    ChaosCommand.write(chaos, initialFaults);
    List<String> boot = new ArrayList<>(List.of("--interface", "lo",
        "--bind", "127.0.0.1", "--ttl", "0", "--group-port", Integer.toString(groupPort),
        "--pool-id", Integer.toString(poolId), "--pool-key", keyFile.toString(),
        "--boards", String.join(",", boardNames()), "--chaos", chaos.toString(),
        "--service", "devices", "--service", BulletServer.SERVICE, "--service", "publish"));

    // A fresh key makes a fresh pool: files of an earlier run would be unreachable (their
    // servers' ports derive from the old key), so the boards start with empty data folders.
    Folders.deleteTree(dir.resolve("boards"));
    List<PeerProcess> running = new ArrayList<>();
    // Shutdown hooks run beside the main loop: once stopping, the loop must not restart boards.
    AtomicBoolean stopping = new AtomicBoolean();
    Thread stopAll = new Thread(() -> {
      synchronized (running) {
        stopping.set(true);
        running.forEach(PeerProcess::terminate); // all at once: boards shut down in parallel
        running.forEach(PeerProcess::close);
      }
    }, "emulate-stop");
    Runtime.getRuntime().addShutdownHook(stopAll);
    List<String> names = new ArrayList<>();
    try {
      for (String name : boardNames()) {
        out.printf("starting %s ...%n", name);
        out.flush();
        running.add(startBoard(name, withServices(name, boot), dir));
        names.add(name);
      }
    } catch (IOException e) {
      throw new CliFailure("a board did not start: " + e.getMessage(), e);
    }
    String boardList = String.join(",", names);
    out.println("installing the example programs under /bin ...");
    out.flush();
    try {
      for (String installed : installExamples(key, poolId)) {
        out.println("  " + installed);
      }
    } catch (IOException | RpcException e) {
      out.println("  the examples were not installed: " + e.getMessage());
    }
    String hello = examplesJar("hello");
    out.printf("pool '%s' is up: %d boards (%s), UDP multicast 239.77.0.1:%d on lo, TTL 0%n",
        pool, boards, String.join(" ", names), groupPort);
    out.printf("profile %s (current); the pool key in it is the pool's root authority%n", dir);
    out.println("ready " + boardList);
    if (!initialFaults.isEmpty()) {
      out.println("faults in force: " + ChaosCommand.describe(initialFaults));
    }
    out.println("Try, in another terminal:");
    out.println("  bin/amoeba pool status                      # every board, up or down");
    out.println("  bin/amoeba run /bin/hello world             # the run server picks a board");
    out.println("  bin/amoeba dir ls /bin");
    out.println("  bin/amoeba file put README.md /home/readme; bin/amoeba file cat /home/readme");
    out.printf("  bin/amoeba exec --on b%d %s world%n", boards, hello);
    out.printf("  bin/amoeba ps --board %s%n", boardList);
    out.println("  bin/amoeba gpio b1/led write 1; bin/amoeba sensor b1/temp read");
    out.println("  bin/amoeba top                              # live view");
    out.println("  bin/amoeba chaos kill b" + boards + (restart ? "              # --restart brings it back" : ""));
    out.println("Ctrl-C stops every board.");
    out.flush();

    boolean demoOk = true;
    if (demo) {
      restart = true;
      demoOk = new Demo(out, names, key, poolId, groupPort).run();
    }
    long deadline = seconds <= 0 ? Long.MAX_VALUE : System.nanoTime() + seconds * 1_000_000_000L;
    boolean[] reported = new boolean[boards];
    while (System.nanoTime() - deadline < 0) {
      for (int i = 0; i < running.size(); i++) {
        if (!reported[i] && !running.get(i).isAlive()) {
          reported[i] = true;
          out.printf("board %s stopped (pid %d)%n", names.get(i), running.get(i).pid());
          out.flush();
          synchronized (running) {
            if (!restart || stopping.get()) {
              continue;
            }
            try {
              running.set(i, startBoard(names.get(i), withServices(names.get(i), boot), dir));
              reported[i] = false;
              out.printf("board %s restarted (pid %d)%n", names.get(i), running.get(i).pid());
            } catch (IOException e) {
              out.printf("board %s did not restart: %s%n", names.get(i), e.getMessage());
            }
            out.flush();
          }
        }
      }
      LockSupport.parkNanos(Math.min(500_000_000L, Math.max(1, deadline - System.nanoTime())));
    }
    stopAll.run();
    out.println("pool stopped");
    return demoOk ? 0 : 1;
  }

  /**
   * The system servers a board of the emulated pool runs beyond every board's (devices, Bullet,
   * publish): the directory on the first three boards (2f + 1 = 3, or fewer in a smaller pool),
   * the run server on b1 (it places on the boards under /pool), the boot server on b2 (its state
   * in the directory, so a boot server started on another board finds it).
   */
  private List<String> withServices(String name, List<String> common) {
    List<String> all = new ArrayList<>(common);
    List<String> replicas = boardNames().subList(0, Math.min(3, boards));
    if (replicas.contains(name)) {
      all.addAll(List.of("--service", "dir " + String.join(" ", replicas)));
    }
    if (name.equals("b1")) {
      all.addAll(List.of("--service", "run"));
    }
    if (name.equals(boards > 1 ? "b2" : "b1")) {
      all.addAll(List.of("--service", "boot --store directory")); // waits for the directory it starts with
    }
    return all;
  }

  /** The example programs, each stored in Bullet (2 replicas) and entered as /bin/NAME. */
  static final List<String> EXAMPLES =
      List.of("hello", "echo", "counter", "wordcount", "cpu", "blink", "thermostat");

  /**
   * Stores the example jars in the pool's Bullet servers and enters them under /bin, from this
   * process's own FLIP endpoint. Waits (bounded) for the directory to take updates.
   *
   * @return one line per program installed
   */
  private List<String> installExamples(byte[] key, int poolId) throws IOException, RpcException {
    List<String> done = new ArrayList<>();
    try (FlipBox box = new FlipBox(BoxConfig.defaults(poolId).withPoolKey(key),
        List.of(new UdpNetwork(UdpConfig.builder().groupPort(groupPort).build())), new SecureRandom());
        Rpc rpc = new Rpc(box, RpcConfig.defaults(), new SecureRandom())) {
      DirectoryClient dir = new DirectoryClient(BoardPorts.rootDirectory(key), rpc, 5_000_000_000L);
      awaitDirectory(dir);
      BulletClient bullet = new BulletClient(rpc, BulletClient.Options.defaults());
      List<Capability> servers = new ArrayList<>();
      for (String b : boardNames()) {
        servers.add(BoardPorts.owner(key, BulletServer.SERVICE, b));
      }
      for (String name : EXAMPLES) {
        Path jar = Path.of(examplesJar(name));
        if (!Files.isRegularFile(jar)) {
          continue; // not built
        }
        CapabilitySet file = bullet.create(Files.readAllBytes(jar), servers, Math.min(2, boards), true);
        dir.enter("/bin/" + name, file);
        done.add("/bin/" + name + " (" + Files.size(jar) + " bytes, " + file.capabilities().size() + " replicas)");
      }
    }
    return done;
  }

  /** Until the directory answers /bin (its replicas form their group first); at most 60 s. */
  private static void awaitDirectory(DirectoryClient dir) throws RpcException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      try {
        dir.lookup("/bin");
        return;
      } catch (RpcException e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
        LockSupport.parkNanos(200_000_000L);
      }
    }
  }

  /** Starts board {@code name}; its files (Bullet, directory log) live in the profile's boards/NAME. */
  private static PeerProcess startBoard(String name, List<String> boot, Path profile) throws IOException {
    List<String> args = new ArrayList<>(List.of("boot", "--name", name,
        "--data", profile.resolve("boards").resolve(name).toString()));
    args.addAll(boot);
    return new PeerProcess(args, 30_000);
  }

  private List<String> boardNames() {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= boards; i++) {
      names.add("b" + i);
    }
    return names;
  }

  /** Where the example program jars are: beside the tree that holds the amoeba jar. */
  private static String examplesJar(String name) {
    String file = "examples-" + name + ".jar";
    String classPath = System.getProperty("java.class.path", "");
    Path jar = Path.of(classPath.split(java.io.File.pathSeparator)[0]).toAbsolutePath().normalize();
    // tools/target/amoeba.jar -> examples/target/examples-NAME.jar
    Path tree = jar.getParent() == null || jar.getParent().getParent() == null
        ? null : jar.getParent().getParent().getParent();
    if (tree != null && Files.isRegularFile(tree.resolve("examples/target").resolve(file))) {
      return tree.resolve("examples/target").resolve(file).toString();
    }
    return Path.of("examples", "target", file).toAbsolutePath().toString();
  }
}
