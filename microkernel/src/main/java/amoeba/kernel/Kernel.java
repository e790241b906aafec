package amoeba.kernel;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.Port;
import amoeba.flip.FlipBox;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.api.PoolAuthority;
import amoeba.kernel.api.Program;
import amoeba.kernel.process.KernelProcess;
import amoeba.kernel.process.ProgramLoader;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessServer;
import amoeba.kernel.server.SysCommand;
import amoeba.kernel.server.SysServer;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * The kernel of one board JVM. {@link #boot} opens the FLIP box on the configured networks, the
 * RPC layer over it, and starts the kernel servers on ports derived from the pool key and the
 * board's name ({@link BoardPorts}): the process server and the sys server. {@link #close}
 * kills every process, stops the servers, closes RPC and the box (and its networks).
 *
 * <p>Nothing a board leaves behind blocks a restart: it holds no lock files and no exclusive
 * sockets (UDP multicast sockets are shared, the unicast port is ephemeral by default), and a
 * restarted server draws a new RPC instance id, so retransmissions meant for the crashed one are
 * refused rather than run twice.
 *
 * <p>Trust: programs run in thread isolation, inside this JVM, as trusted code: they get only
 * capabilities and IPC through their {@code ProcessContext}, but nothing stops a malicious jar
 * from using Java reflection or System.exit. {@code --isolation jvm} runs a program in a child
 * JVM instead (kill always works, heap capped; IPC and migration over a local channel to this
 * kernel, see {@code ChildLink}; no groups).
 */
public final class Kernel implements AutoCloseable {
  /** Time the board's self-check (a trans to its own sys server) may take. */
  private static final long SELF_CHECK_NANOS = 5_000_000_000L;
  /** How long a clean close waits for killed programs' main threads to return. */
  private static final long SHUTDOWN_GRACE_NANOS = 2_000_000_000L;

  private final BoardConfig config;
  private final FlipBox box;
  private final Rpc rpc;
  private final ProcessServer processServer;
  private final SysServer sysServer;
  private final long bootMillis = System.currentTimeMillis();
  private final long speedIndex;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean closing;
  private volatile PoolWatch watch;

  private Kernel(BoardConfig config) {
    this.config = config;
    SecureRandom random = new SecureRandom();
    this.speedIndex = measureSpeed();
    this.box = new FlipBox(config.box(), config.networks(), random);
    try {
      this.rpc = new Rpc(box, config.rpc(), random);
      byte[] key = config.box().poolKey();
      Port processGet = BoardPorts.getPort(key, BoardPorts.PROCESS, config.name());
      Port sysGet = BoardPorts.getPort(key, BoardPorts.SYS, config.name());
      ProgramLoader loader = new ProgramLoader(
          Program.class.getClassLoader(), config.programs().builtins(), config.programs().store(), rpc);
      this.processServer = new ProcessServer(
          config.name(), processGet, key, rpc, loader, random, this::grants);
      this.sysServer =
          new SysServer(config.name(), sysGet, random, this::info, this::load, this::peers, this::shutdownAsync);
      processServer.serve(rpc.server(processGet), config.serverThreads());
      sysServer.serve(rpc.server(sysGet), 2);
    } catch (RuntimeException e) {
      box.close();
      throw e;
    }
  }

  /**
   * Boots a board: returns once its servers answer (a trans to its own sys server).
   *
   * @throws IllegalStateException if the servers do not answer within 5 s
   */
  public static Kernel boot(BoardConfig config) {
    Kernel k = new Kernel(config);
    RpcMessage reply =
        k.rpc.trans(new RpcMessage().capability(k.sysServer.owner()).command(SysCommand.INFO.code()),
            SELF_CHECK_NANOS);
    if (!reply.ok()) {
      k.close();
      throw new IllegalStateException("board " + config.name() + " does not answer itself: " + reply.error().describe());
    }
    Logger.info("board {} ready", config.name());
    return k;
  }

  public String name() {
    return config.name();
  }

  /**
   * What a program gets: every one the root directory; system programs (builtins) also their
   * storage folder on this board and the pool authority.
   */
  private KernelProcess.Grants grants(ProgramLoader.Loaded program) {
    byte[] key = config.box().poolKey();
    Capability root = BoardPorts.rootDirectory(key);
    if (!program.system()) {
      return new KernelProcess.Grants(root, null, null);
    }
    Path storage = config.dataFolder() == null ? null : config.dataFolder().resolve("programs").resolve(program.name());
    PoolAuthority authority = new PoolAuthority() {
      @Override
      public Port getPort(String service, String instance) {
        return BoardPorts.getPort(key, service, instance);
      }

      @Override
      public Capability owner(String service, String instance) {
        return BoardPorts.owner(key, service, instance);
      }
    };
    return new KernelProcess.Grants(root, storage, authority);
  }

  /**
   * Starts the builtin system program {@code name} (a server) on this board, as a process like
   * any other (ps lists it, kill stops it).
   */
  public KernelProcess startService(String name, List<String> args)
      throws ProgramLoader.ProgramException, CapabilityException {
    return processServer.exec(ProgramLoader.BUILTIN + name, args, Map.of(), null);
  }

  public BoardConfig config() {
    return config;
  }

  /** The board's RPC layer (for its own clients and, wrapped, its processes). */
  public Rpc rpc() {
    return rpc;
  }

  public FlipBox box() {
    return box;
  }

  public ProcessServer processServer() {
    return processServer;
  }

  public SysServer sysServer() {
    return sysServer;
  }

  /** The process server's owner capability (also derivable from the pool key). */
  public Capability processOwner() {
    return processServer.owner();
  }

  public Capability sysOwner() {
    return sysServer.owner();
  }

  public long speedIndex() {
    return speedIndex;
  }

  Map<String, String> info() {
    Runtime rt = Runtime.getRuntime();
    Map<String, String> m = new LinkedHashMap<>();
    m.put("name", config.name());
    m.put("model", config.model());
    m.put("cores", Integer.toString(rt.availableProcessors()));
    m.put("max_memory_bytes", Long.toString(rt.maxMemory()));
    m.put("jvm", System.getProperty("java.vm.name") + " " + Runtime.version());
    m.put("uptime_ms", Long.toString(System.currentTimeMillis() - bootMillis));
    m.put("processes", Long.toString(processServer.processes().stream().filter(p -> !p.state().finished()).count()));
    return m;
  }

  Map<String, String> load() {
    Runtime rt = Runtime.getRuntime();
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    long runnable = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getState() == Thread.State.RUNNABLE).count();
    double cpu = -1;
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      cpu = sun.getProcessCpuLoad();
    }
    Map<String, String> m = new LinkedHashMap<>();
    m.put("runnable_threads", Long.toString(runnable));
    m.put("load_average", String.format(java.util.Locale.ROOT, "%.2f", os.getSystemLoadAverage()));
    m.put("process_cpu_load", String.format(java.util.Locale.ROOT, "%.3f", cpu));
    m.put("free_heap_bytes", Long.toString(rt.maxMemory() - (rt.totalMemory() - rt.freeMemory())));
    m.put("used_heap_bytes", Long.toString(rt.totalMemory() - rt.freeMemory()));
    m.put("speed_index", Long.toString(speedIndex));
    m.put("flip_drops", Long.toString(box.drops().total()));
    return m;
  }

  Map<String, String> peers() {
    PoolWatch w = watch;
    return w == null ? Map.of() : w.report();
  }

  /**
   * Starts watching the pool's other boards (see {@link PoolWatch}); their state is logged at
   * each change and answered by the sys server's PEERS. Once per board.
   *
   * @param boards the pool's boards, asked again each round (a fixed list, or the directory's)
   */
  public synchronized PoolWatch watch(Supplier<List<String>> boards, long intervalNanos, long failAfterNanos) {
    if (watch != null) {
      throw new IllegalStateException("board " + config.name() + " watches its pool already");
    }
    watch = new PoolWatch(rpc, config.box().poolKey(), config.name(), boards, intervalNanos,
        failAfterNanos, System::nanoTime, (b, up) -> { }).start();
    return watch;
  }

  /**
   * A speed index measured once at boot: KiB of SHA-256 hashed in 20 ms of one thread, scaled to
   * KiB/s. Comparable between boards of this project (placement), not a benchmark.
   */
  private static long measureSpeed() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] block = new byte[1024];
      long start = System.nanoTime();
      long kib = 0;
      long elapsed;
      do {
        for (int i = 0; i < 16; i++) {
          sha.update(block);
        }
        kib += 16;
        elapsed = System.nanoTime() - start;
      } while (elapsed < 20_000_000L);
      sha.digest();
      return kib * 1_000_000_000L / elapsed;
    } catch (NoSuchAlgorithmException e) {
      return 0;
    }
  }

  /** Starts a shutdown without waiting for it (the sys server calls this from a handler). */
  public void shutdownAsync() {
    Thread t = new Thread(this::close, "shutdown-" + config.name());
    t.setDaemon(false);
    t.start();
  }

  /** Waits until the board has stopped. @return whether it did within the time */
  public boolean awaitStop(long timeout, TimeUnit unit) throws InterruptedException {
    return stopped.await(timeout, unit);
  }

  public boolean isClosed() {
    return stopped.getCount() == 0;
  }

  /** Kills the processes, stops the servers, closes RPC and the box. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (closing) {
        return;
      }
      closing = true;
    }
    try {
      PoolWatch w = watch;
      if (w != null) {
        w.close();
      }
      processServer.killAll();
      // Grace for programs that finish their last calls when stopped (publish withdraws its
      // rows from the directory) before RPC closes; bounded, so a stuck program cannot hold us.
      long deadline = System.nanoTime() + SHUTDOWN_GRACE_NANOS;
      for (KernelProcess p : processServer.processes()) {
        try {
          p.awaitMainThread(deadline);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      processServer.stop();
      sysServer.stop();
      rpc.close();
      box.close();
      Logger.info("board {} stopped", config.name());
    } finally {
      stopped.countDown();
    }
  }

  /** Processes of this board, for tests and tools in the same JVM. */
  public java.util.List<KernelProcess> processes() {
    return processServer.processes();
  }
}
