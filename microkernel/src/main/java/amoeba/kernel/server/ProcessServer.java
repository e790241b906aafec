package amoeba.kernel.server;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.Server;
import amoeba.kernel.api.Checkpointable;
import amoeba.kernel.process.KernelProcess;
import amoeba.kernel.process.OutputLog;
import amoeba.kernel.process.ProcessState;
import amoeba.kernel.process.ProgramLoader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * A board's process server: each process is an object with a capability; object 0 is the
 * server itself (its owner capability derived from the pool key, see {@link BoardPorts}), which
 * execs and lists, and addresses any process by pid. Commands: {@link ProcessCommand}.
 * Capabilities and rights are checked by the {@link Server} framework before a handler runs.
 */
public final class ProcessServer extends Server<ProcessServer.Target> {
  /** What an object of this server is: the server itself (object 0) or a process. */
  public sealed interface Target permits Root, Proc {}

  /** Object 0. */
  public enum Root implements Target {
    INSTANCE
  }

  /** A process as an object of the table. */
  public record Proc(KernelProcess process) implements Target {
    @Override
    public String toString() {
      return process.toString();
    }
  }

  /** Finished processes kept for ps and status; the oldest are forgotten beyond it. */
  public static final int MAX_FINISHED = 256;

  /** Longest a READ_OUTPUT or STATUS waits (10 s): a caller polls again after it. */
  public static final int MAX_WAIT_MS = 10_000;
  /** Most bytes per stream in one READ_OUTPUT reply (60 KiB). */
  public static final int MAX_READ_BYTES = 60 << 10;

  private final String board;
  private final Rpc rpc;
  private final ProgramLoader loader;
  private final ThreadGroup processes;
  private final AtomicInteger nextPid = new AtomicInteger(1);
  private final Map<Integer, KernelProcess> byPid = new ConcurrentSkipListMap<>();
  private final Capability owner;
  private final byte[] poolKey;
  private final Function<ProgramLoader.Loaded, KernelProcess.Grants> grants;

  /**
   * @param getPort the port it will be served on (derived with {@link BoardPorts})
   * @param random draws process secrets (SecureRandom in production)
   */
  public ProcessServer(
      String board, Port getPort, byte[] poolKey, Rpc rpc, ProgramLoader loader, RandomGenerator random) {
    this(board, getPort, poolKey, rpc, loader, random, l -> KernelProcess.Grants.NONE);
  }

  /** @param grants what each program gets beyond its arguments (the kernel decides) */
  public ProcessServer(String board, Port getPort, byte[] poolKey, Rpc rpc, ProgramLoader loader,
      RandomGenerator random, Function<ProgramLoader.Loaded, KernelProcess.Grants> grants) {
    super(getPort.putPort(), new CheckScheme(random));
    this.grants = grants;
    this.poolKey = poolKey == null ? null : poolKey.clone();
    this.board = board;
    this.rpc = rpc;
    this.loader = loader;
    this.processes = new ThreadGroup("processes-" + board);
    try {
      this.owner = objects.install(0, Root.INSTANCE, BoardPorts.rootSecret(getPort));
    } catch (CapabilityException e) {
      throw new IllegalStateException(e);
    }
    command(ProcessCommand.EXEC.code(), Rights.CREATE, this::exec);
    command(ProcessCommand.LIST.code(), Rights.READ, this::list);
    command(ProcessCommand.KILL.code(), Rights.DELETE, this::kill);
    command(ProcessCommand.STATUS.code(), Rights.READ, this::status);
    command(ProcessCommand.READ_OUTPUT.code(), Rights.READ, this::readOutput);
    command(ProcessCommand.WRITE_STDIN.code(), Rights.MODIFY, this::writeStdin);
    command(ProcessCommand.STUN.code(), Rights.MODIFY, this::stun);
    // Object 0's owner capability is derived from the pool key: destroying or revoking it would
    // cut every pool member off this board's process server until a restart. Processes may.
    command(StdCommand.STD_DESTROY.code(), Rights.DELETE, (o, rq, rp) -> {
      if (o instanceof Root) {
        return fail(rp, ErrorCode.DENIED, "the process server itself cannot be destroyed");
      }
      destroyed(objects.remove(rq.capability()));
      return 0;
    });
    command(StdCommand.STD_REVOKE.code(), Rights.ALL, (o, rq, rp) -> {
      if (o instanceof Root) {
        return fail(rp, ErrorCode.DENIED, "the process server's capability is derived from the pool key");
      }
      Capability fresh = objects.revoke(rq.capability());
      ((Proc) o).process().capability(fresh);
      rp.capability(fresh);
      return 0;
    });
    command(ProcessCommand.MIGRATE.code(), Rights.DELETE, this::migrate);
  }

  /** The owner capability of object 0 (the server). */
  public Capability owner() {
    return owner;
  }

  /** Runs a program jar on this board. */
  public KernelProcess exec(Path jar, List<String> args, Map<String, String> env)
      throws ProgramLoader.ProgramException, CapabilityException {
    return exec(jar.toString(), args, env, null);
  }

  /** Default heap of a child JVM in jvm isolation (MiB). */
  public static final int DEFAULT_CHILD_HEAP_MB = 64;

  /**
   * Runs a program in jvm isolation: a child JVM with at most {@code heapMb} MiB of heap. The jar
   * is not loaded here (no program code runs in the board JVM); a bad jar makes the child exit 1
   * with the reason on its stderr.
   */
  public KernelProcess execJvm(Path jar, List<String> args, Map<String, String> env, int heapMb)
      throws CapabilityException {
    return execJvm(jar, args, env, heapMb, null, List.of());
  }

  /**
   * Runs a program in jvm isolation, restoring {@code state} (null: none) in the child and
   * continuing the {@code moved} servers of a migrated incarnation.
   */
  public KernelProcess execJvm(Path jar, List<String> args, Map<String, String> env, int heapMb,
      byte[] state, List<KernelProcess.MovedServer> moved) throws CapabilityException {
    String file = jar.getFileName().toString();
    String name = file.endsWith(".jar") ? file.substring(0, file.length() - 4) : file;
    // A child gets what an ordinary program jar gets (the root), never a builtin's grants.
    KernelProcess.Grants g = grants.apply(new ProgramLoader.Loaded(name, null, null, false));
    KernelProcess p = new KernelProcess(
        nextPid.getAndIncrement(), board, name, jar, args, env, rpc, processes, heapMb, g, state);
    p.inherit(moved);
    p.capability(objects.allocate(new Proc(p)));
    forgetOldFinished();
    byPid.put(p.pid(), p);
    p.start();
    Logger.info("{}: started {} {} in a child JVM (-Xmx{}m)", board, p, args, heapMb);
    return p;
  }

  /**
   * Runs a program from {@code source} (a builtin, a file capability or a jar path: see {@link
   * ProgramLoader}), first restoring {@code state} (a checkpoint) if it is not null.
   */
  public KernelProcess exec(String source, List<String> args, Map<String, String> env, byte[] state)
      throws ProgramLoader.ProgramException, CapabilityException {
    return exec(source, args, env, state, List.of());
  }

  /** As {@link #exec(String, List, Map, byte[])}, continuing the {@code moved} servers. */
  public KernelProcess exec(String source, List<String> args, Map<String, String> env, byte[] state,
      List<KernelProcess.MovedServer> moved) throws ProgramLoader.ProgramException, CapabilityException {
    ProgramLoader.Loaded loaded = loader.load(source);
    if (state != null) {
      if (!(loaded.program() instanceof Checkpointable c)) {
        throw new ProgramLoader.ProgramException(loaded.name() + " is not Checkpointable: no state to restore");
      }
      c.restore(state);
    }
    KernelProcess p = new KernelProcess(
        nextPid.getAndIncrement(), board, loaded, args, env, rpc, processes, source, grants.apply(loaded));
    p.inherit(moved);
    p.capability(objects.allocate(new Proc(p)));
    forgetOldFinished();
    byPid.put(p.pid(), p);
    p.start();
    Logger.info("{}: started {} {}", board, p, args);
    return p;
  }

  /** Drops the oldest finished processes beyond {@link #MAX_FINISHED} (their objects too). */
  private void forgetOldFinished() {
    List<KernelProcess> finished = new ArrayList<>();
    for (KernelProcess p : byPid.values()) {
      if (p.state().finished()) {
        finished.add(p);
      }
    }
    for (int i = 0; i < finished.size() - MAX_FINISHED; i++) {
      KernelProcess p = finished.get(i);
      byPid.remove(p.pid());
      try {
        objects.remove(p.capability());
      } catch (CapabilityException e) {
        // revoked by its holder meanwhile: its object stays until destroyed (bounded by 2^24)
      }
    }
  }

  public List<KernelProcess> processes() {
    return new ArrayList<>(byPid.values());
  }

  public KernelProcess process(int pid) {
    return byPid.get(pid);
  }

  /** Kills and revokes: the process's capabilities are CAPBAD afterwards. */
  public boolean kill(KernelProcess p) {
    boolean killed = p.kill();
    try {
      p.capability(objects.revoke(p.capability()));
    } catch (CapabilityException e) {
      // revoked (STD_REVOKE) or destroyed meanwhile by its holder: stale already
    }
    if (killed) {
      Logger.info("{}: killed {}", board, p);
    }
    return killed;
  }

  /** Kills every process (board shutdown). */
  public void killAll() {
    for (KernelProcess p : byPid.values()) {
      kill(p);
    }
  }

  @Override
  protected String info(Target object) {
    return object instanceof Proc p ? p.toString() : "process server of " + board;
  }

  @Override
  protected void destroyed(Target object) {
    if (object instanceof Proc p) {
      p.process().kill();
      byPid.remove(p.process().pid());
    }
  }

  // ---- handlers: the framework checked capability and rights ---------------------------------

  private static int fail(RpcMessage reply, ErrorCode code, String why) {
    reply.data(ByteBuffer.wrap(why.getBytes(StandardCharsets.UTF_8)));
    return code.code();
  }

  private int exec(Target object, RpcMessage request, RpcMessage reply) throws CapabilityException {
    if (!(object instanceof Root)) {
      return fail(reply, ErrorCode.BADPARAM, "exec needs the process server's capability");
    }
    String jar;
    List<String> args = new ArrayList<>();
    Map<String, String> env = new LinkedHashMap<>();
    byte[] state = null;
    List<KernelProcess.MovedServer> moved = new ArrayList<>();
    boolean jvm = false;
    int heapMb = DEFAULT_CHILD_HEAP_MB;
    try {
      Wire.In in = new Wire.In(request.data());
      jar = in.str();
      for (int i = in.u16(); i > 0; i--) {
        args.add(in.str());
      }
      for (int i = in.u16(); i > 0; i--) {
        env.put(in.str(), in.str());
      }
      byte[] rest = in.rest();
      if (rest.length > 0) {
        Wire.In tail = new Wire.In(ByteBuffer.wrap(rest));
        jvm = tail.u8() == 1;
        heapMb = tail.i32();
        int n = tail.i32();
        state = n < 0 ? null : tail.bytes(n);
        byte[] servers = tail.rest();
        if (servers.length > 0) {
          Wire.In more = new Wire.In(ByteBuffer.wrap(servers));
          for (int i = more.u16(); i > 0; i--) {
            moved.add(new KernelProcess.MovedServer(more.i64(), more.i64(), more.bytes(more.i32())));
          }
        }
      }
    } catch (Wire.Malformed e) {
      return fail(reply, ErrorCode.BADPARAM, e.getMessage());
    }
    KernelProcess p;
    try {
      if (jvm && (heapMb < 8 || heapMb > 1 << 16)) {
        return fail(reply, ErrorCode.BADPARAM, "a child JVM's heap is 8..65536 MiB: " + heapMb);
      }
      if (jvm && !Path.of(jar).isAbsolute()) {
        return fail(reply, ErrorCode.BADPARAM, "jvm isolation runs a jar given by its absolute path: " + jar);
      }
      p = jvm ? execJvm(Path.of(jar), args, env, heapMb, state, moved) : exec(jar, args, env, state, moved);
      if (state != null && !p.awaitInherited(STUN_WAIT_MS)) {
        // the program did not serve its ports again: the old incarnation must stay; end this one
        String why = p.state().finished()
            ? "the restored process ended: " + tail(p.stderrLog())
            : "the restored process did not serve its ports within " + STUN_WAIT_MS + " ms";
        kill(p);
        return fail(reply, ErrorCode.NOTNOW, why);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ErrorCode.INTERRUPTED.code();
    } catch (ProgramLoader.ProgramException e) {
      return fail(reply, ErrorCode.BADPARAM, e.getMessage());
    } catch (RuntimeException e) { // e.g. restore() of a program threw
      return fail(reply, ErrorCode.BADPARAM, e.toString());
    }
    reply.capability(p.capability()).offset(p.pid());
    return 0;
  }

  /** The last line or so of a log, for an error message. */
  private static String tail(OutputLog log) {
    OutputLog.Chunk c = log.read(Math.max(0, log.end() - 300), 300);
    return new String(c.bytes(), StandardCharsets.UTF_8).strip();
  }

  private int list(Target object, RpcMessage request, RpcMessage reply) {
    if (!(object instanceof Root)) {
      return ErrorCode.BADPARAM.code();
    }
    List<KernelProcess> all = processes();
    Wire.Out out = new Wire.Out().i32(all.size());
    for (KernelProcess p : all) {
      ProcessInfo.of(p).write(out);
    }
    reply.data(out.buffer());
    return 0;
  }

  /** The process a request is about: the capability's, or for object 0 the pid in the data. */
  private KernelProcess target(Target object, int pid) throws CapabilityException {
    if (object instanceof Proc p) {
      return p.process();
    }
    KernelProcess p = byPid.get(pid);
    if (p == null) {
      throw new CapabilityException(ErrorCode.NO_SUCH_OBJECT, "no process " + pid);
    }
    return p;
  }

  private int kill(Target object, RpcMessage request, RpcMessage reply) throws CapabilityException {
    KernelProcess p;
    try {
      p = target(object, new Wire.In(request.data()).i32());
    } catch (Wire.Malformed e) {
      return ErrorCode.BADPARAM.code();
    }
    kill(p);
    Wire.Out out = new Wire.Out();
    ProcessInfo.of(p).write(out);
    reply.data(out.buffer());
    return 0;
  }

  /** A request naming a process and how long to wait for it, decoded and checked. */
  private record Waiting(KernelProcess process, int waitMs) {}

  private Waiting targetAndWait(Target object, RpcMessage request)
      throws CapabilityException, Wire.Malformed {
    Wire.In in = new Wire.In(request.data());
    KernelProcess p = target(object, in.i32());
    return new Waiting(p, waitMs(in));
  }

  /** A wait in milliseconds, clamped to 0..MAX_WAIT_MS so a request cannot hold a thread long. */
  private static int waitMs(Wire.In in) throws Wire.Malformed {
    return Math.max(0, Math.min(MAX_WAIT_MS, in.i32()));
  }

  private int status(Target object, RpcMessage request, RpcMessage reply) throws CapabilityException {
    Waiting w;
    try {
      w = targetAndWait(object, request);
    } catch (Wire.Malformed e) {
      return ErrorCode.BADPARAM.code();
    }
    KernelProcess p = w.process();
    int waitMs = w.waitMs();
    request.release(); // the FLIP buffer is not needed while we wait
    try {
      p.await(waitMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ErrorCode.INTERRUPTED.code();
    }
    Wire.Out out = new Wire.Out();
    ProcessInfo.of(p).write(out);
    reply.data(out.buffer());
    return 0;
  }

  private int readOutput(Target object, RpcMessage request, RpcMessage reply) throws CapabilityException {
    KernelProcess p;
    long outOffset;
    long errOffset;
    int waitMs;
    int maxBytes;
    try {
      Wire.In in = new Wire.In(request.data());
      p = target(object, in.i32());
      outOffset = in.i64();
      errOffset = in.i64();
      waitMs = waitMs(in);
      maxBytes = Math.max(1, Math.min(MAX_READ_BYTES, in.i32()));
    } catch (Wire.Malformed e) {
      return ErrorCode.BADPARAM.code();
    }
    request.release();
    OutputLog out = p.stdoutLog();
    OutputLog err = p.stderrLog();
    long deadline = System.nanoTime() + waitMs * 1_000_000L;
    synchronized (p.lock()) {
      while (out.end() <= outOffset && err.end() <= errOffset && !p.state().finished()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          p.lock().wait(Math.max(1, left / 1_000_000L));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return ErrorCode.INTERRUPTED.code();
        }
      }
    }
    // State before data: a reader that sees "finished" then has every byte up to the end.
    ProcessInfo info = ProcessInfo.of(p);
    OutputLog.Chunk o = out.read(outOffset, maxBytes);
    OutputLog.Chunk e = err.read(errOffset, maxBytes);
    Wire.Out w = new Wire.Out();
    w.i64(o.start()).i32(o.bytes().length).bytes(o.bytes());
    w.i64(e.start()).i32(e.bytes().length).bytes(e.bytes());
    info.write(w);
    reply.data(w.buffer());
    return 0;
  }

  private int stun(Target object, RpcMessage request, RpcMessage reply) throws CapabilityException {
    Waiting w;
    try {
      w = targetAndWait(object, request);
    } catch (Wire.Malformed e) {
      return ErrorCode.BADPARAM.code();
    }
    KernelProcess p = w.process();
    int waitMs = w.waitMs();
    if (!p.checkpointable()) {
      return fail(reply, ErrorCode.BADPARAM, p.name() + " is not Checkpointable: it cannot be stunned");
    }
    try {
      p.stun(waitMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ErrorCode.INTERRUPTED.code();
    }
    Wire.Out out = new Wire.Out();
    ProcessInfo.of(p).write(out);
    reply.data(out.buffer());
    return 0;
  }

  /** How long a migration waits for the program to reach its safe point. */
  public static final int STUN_WAIT_MS = 5_000;

  private int migrate(Target object, RpcMessage request, RpcMessage reply) throws CapabilityException {
    KernelProcess p;
    String to;
    try {
      Wire.In in = new Wire.In(request.data());
      p = target(object, in.i32());
      to = in.str();
    } catch (Wire.Malformed e) {
      return ErrorCode.BADPARAM.code();
    }
    request.release();
    if (!p.checkpointable()) {
      return fail(reply, ErrorCode.BADPARAM, p.name() + " is not Checkpointable: it cannot migrate");
    }
    if (to.equals(board)) {
      return fail(reply, ErrorCode.BADPARAM, "the process is on " + board + " already");
    }
    long start = System.nanoTime();
    try {
      if (!p.stun(STUN_WAIT_MS)) {
        return fail(reply, ErrorCode.NOTNOW, p + " did not reach a safe point");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ErrorCode.INTERRUPTED.code();
    }
    // Stunned: nothing runs, so no reply can join the tables after this (at-most-once moves).
    byte[] state = p.checkpoint();
    List<KernelProcess.MovedServer> servers = p.movedServers();
    // A child JVM starts in about half a second and the exec waits until it serves again.
    ProcessClient client = new ProcessClient(rpc, 15_000_000_000L);
    ProcessClient.Started moved;
    try {
      moved = client.exec(BoardPorts.owner(poolKey, BoardPorts.PROCESS, to), p.source(), p.args(), p.env(),
          state, p.heapMb() > 0, p.heapMb(), servers);
    } catch (amoeba.ipc.rpc.RpcException e) {
      // the target refused: resume here is not possible (run returned), so keep it stunned and
      // say so; the caller may retry the migration or kill it
      return fail(reply, ErrorCode.NOTNOW, "exec on " + to + " failed, " + p + " stays stunned: " + e.getMessage());
    }
    p.migrated(); // closes its servers here: callers get NOTHERE and find the new incarnation
    try {
      p.capability(objects.revoke(p.capability()));
    } catch (CapabilityException e) {
      // revoked by its holder meanwhile
    }
    Logger.info("{}: migrated {} to {} as pid {} in {} us", board, p, to, moved.pid(),
        (System.nanoTime() - start) / 1000);
    reply.capability(moved.capability()).offset(moved.pid());
    return 0;
  }

  private int writeStdin(Target object, RpcMessage request, RpcMessage reply) throws CapabilityException {
    KernelProcess p;
    boolean close;
    byte[] bytes;
    try {
      Wire.In in = new Wire.In(request.data());
      p = target(object, in.i32());
      close = in.u8() != 0;
      bytes = in.rest();
    } catch (Wire.Malformed e) {
      return ErrorCode.BADPARAM.code();
    }
    if (p.state() != ProcessState.RUNNING) {
      return fail(reply, ErrorCode.BADPARAM, "the process has finished");
    }
    if (p.stdinPipe().isClosed()) {
      return fail(reply, ErrorCode.BADPARAM, "stdin is closed");
    }
    if (!p.stdinPipe().offer(bytes)) {
      return ErrorCode.NOTNOW.code(); // full: the caller retries
    }
    if (close) {
      p.stdinPipe().close();
    }
    return 0;
  }
}
