package amoeba.kernel.process;

import amoeba.capabilities.Capability;
import amoeba.capabilities.Port;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupMember;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;
import amoeba.kernel.api.Checkpointable;
import amoeba.kernel.api.Ipc;
import amoeba.kernel.api.PoolAuthority;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One running program. In thread isolation (this comment; jvm isolation: see the other
 * constructor and {@link ChildLink}): its main thread and every thread it starts live in
 * the process's own {@link ThreadGroup}; its classes in its own {@link JarClassLoader}.
 *
 * <p>Life: {@link #start} runs {@code Program.run} on the main thread. The process finishes when
 * run returns (EXITED, its status), throws (CRASHED, status 1, stack trace on stderr) or is
 * {@link #kill}ed (KILLED, status 137). On finishing, the threads left in its group are
 * interrupted, its RPC servers closed, stdin and the output logs closed.
 *
 * <p>Kill in thread mode is cooperative: it interrupts every thread of the group. A thread that
 * ignores interruption (a spinning loop that never blocks or checks) keeps running and keeps
 * its CPU: the process is reported KILLED at once, its capability is revoked (by the process
 * server), its servers are closed and its output dropped, but the thread itself can only be
 * ended by restarting the board (in {@code --isolation jvm} a kill destroys the child JVM). {@link #threads()} and
 * {@link #cpuNanos()} keep showing such leftovers.
 */
public final class KernelProcess {
  public static final int STATUS_CRASHED = 1;
  public static final int STATUS_KILLED = 137;
  /** Output kept per stream for readers that fall behind (1 MiB). */
  public static final int OUTPUT_RETAIN_BYTES = 1 << 20;
  /** Stdin bytes buffered before the writer is told to retry (256 KiB). */
  public static final int STDIN_BYTES = 256 << 10;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final int pid;
  private final String board;
  private final String name;
  private final List<String> args;
  private final Map<String, String> env;
  private final ProgramLoader.Loaded loaded;
  private final Rpc rpc;
  private final String source;
  private final Object lock = new Object();
  private final OutputLog out = new OutputLog(lock, OUTPUT_RETAIN_BYTES);
  private final OutputLog err = new OutputLog(lock, OUTPUT_RETAIN_BYTES);
  private final PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
  private final PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
  private final InputPipe stdin = new InputPipe(STDIN_BYTES);
  private final ThreadGroup group;
  private final List<RpcServer> servers = new CopyOnWriteArrayList<>();
  private final long startMillis = System.currentTimeMillis();
  /** Heap limit of the child JVM in jvm isolation (MiB); 0 in thread isolation. */
  private final int jvmHeapMb;
  private volatile Process child;
  private volatile ChildLink link;
  private volatile Capability capability;
  private final Grants grants;
  private final List<GroupMember> groups = new CopyOnWriteArrayList<>();
  private Thread main;
  /** Guarded by lock. */
  private ProcessState state = ProcessState.RUNNING;
  /** Guarded by lock: set once finish() closed the process's servers, groups and streams. */
  private boolean released;
  private int exitStatus;
  private long finishedCpuNanos;
  private boolean stunRequested;
  /** jvm isolation: the checkpoint the child took at its safe point (guarded by lock). */
  private byte[] childCheckpoint;
  /** jvm isolation: what the child's HELLO said; thread isolation: unused. */
  private volatile boolean childCheckpointable;
  /** jvm isolation: a checkpoint to restore in the child, sent with START (then dropped). */
  private volatile byte[] restoreState;
  /** Servers of the previous incarnation (by put-port) not yet served again; guarded by lock. */
  private final Map<Long, MovedServer> inherited = new java.util.HashMap<>();

  /**
   * One RPC server of a migrating process: its put-port, instance id and replied transactions
   * ({@link RpcServer#exportTable}). The next incarnation serves the port as the same instance
   * with that table, so a retransmission is answered, not run again (at-most-once moves).
   */
  public record MovedServer(long putPort, long instance, byte[] table) {}

  /**
   * What a process holds beyond its arguments: the root directory, and for system programs the
   * board's storage folder for it and the pool authority (nulls where not granted).
   */
  public record Grants(Capability root, Path storage, PoolAuthority authority) {
    public static final Grants NONE = new Grants(null, null, null);
  }

  public KernelProcess(
      int pid, String board, ProgramLoader.Loaded loaded, List<String> args, Map<String, String> env,
      Rpc rpc, ThreadGroup parentGroup, String source, Grants grants) {
    this.grants = grants;
    this.pid = pid;
    this.source = source;
    this.board = board;
    this.name = loaded.name();
    this.loaded = loaded;
    this.args = List.copyOf(args);
    this.env = Map.copyOf(env);
    this.rpc = rpc;
    this.group = new ThreadGroup(parentGroup, "proc-" + pid + "-" + name);
    this.jvmHeapMb = 0;
  }

  /**
   * A process in {@code jvm} isolation: a child JVM of its own runs {@link ChildMain} with the
   * jar; its stdio and IPC travel over the local channel ({@link ChannelFrame}, {@link
   * ChildLink}). Kill always works (the child is destroyed), its heap is capped at {@code
   * heapMb}, and a crash of the program cannot take the board down. It gets the root of
   * {@code grants} (never storage nor pool authority: no builtin runs in a child).
   *
   * @param state a checkpoint to restore before run, or null
   */
  public KernelProcess(int pid, String board, String name, Path jar, List<String> args,
      Map<String, String> env, Rpc rpc, ThreadGroup parentGroup, int heapMb, Grants grants, byte[] state) {
    this.pid = pid;
    this.board = board;
    this.name = name;
    this.loaded = null;
    this.args = List.copyOf(args);
    this.env = Map.copyOf(env);
    this.rpc = rpc;
    this.grants = new Grants(grants.root(), null, null);
    this.restoreState = state;
    this.source = jar.toString();
    this.group = new ThreadGroup(parentGroup, "proc-" + pid + "-" + name);
    if (heapMb < 8) {
      throw new IllegalArgumentException("a child JVM needs at least 8 MiB of heap: " + heapMb);
    }
    this.jvmHeapMb = heapMb;
  }

  /** The child JVM's heap limit in MiB (jvm isolation), 0 in thread isolation. */
  public int heapMb() {
    return jvmHeapMb;
  }

  /** "thread" or "jvm". */
  public String isolation() {
    return jvmHeapMb == 0 ? "thread" : "jvm";
  }

  public int pid() {
    return pid;
  }

  public String name() {
    return name;
  }

  public List<String> args() {
    return args;
  }

  /** Where the program came from (a jar path now, a Bullet capability later). */
  public String source() {
    return source;
  }

  public Map<String, String> env() {
    return env;
  }

  /** The program instance in thread isolation; null in jvm isolation (it lives in the child). */
  public Program program() {
    return loaded == null ? null : loaded.program();
  }

  public ClassLoader classLoader() {
    return loaded == null ? null : loaded.loader();
  }

  public long startMillis() {
    return startMillis;
  }

  /** The process's owner capability at its process server (set before start, after a revoke). */
  public Capability capability() {
    return capability;
  }

  public void capability(Capability cap) {
    this.capability = cap;
  }

  public OutputLog stdoutLog() {
    return out;
  }

  public OutputLog stderrLog() {
    return err;
  }

  public InputPipe stdinPipe() {
    return stdin;
  }

  /** The lock the output logs and the end of the process notify: wait on it for news. */
  public Object lock() {
    return lock;
  }

  public ProcessState state() {
    synchronized (lock) {
      return state;
    }
  }

  public int exitStatus() {
    synchronized (lock) {
      return exitStatus;
    }
  }

  /** Whether the program can be stunned and moved (in jvm isolation: as its child said). */
  public boolean checkpointable() {
    return loaded == null ? childCheckpointable : loaded.program() instanceof Checkpointable;
  }

  /**
   * The program's state: call only while STUNNED (thread isolation asks the program now; a
   * child JVM sent it when it reached its safe point).
   */
  public byte[] checkpoint() {
    if (loaded != null) {
      return ((Checkpointable) loaded.program()).checkpoint();
    }
    synchronized (lock) {
      if (childCheckpoint == null) {
        throw new IllegalStateException(this + " is not stunned");
      }
      return childCheckpoint.clone();
    }
  }

  /**
   * Takes the servers of the previous incarnation (before {@link #start}): when the program
   * serves one of those ports, it continues that server (see {@link MovedServer}).
   */
  public void inherit(List<MovedServer> moved) {
    synchronized (lock) {
      for (MovedServer m : moved) {
        inherited.put(m.putPort(), m);
      }
    }
  }

  /**
   * Waits until the program served every inherited port again (or finished). A migration
   * returns after it, so the old incarnation closes only once the new one answers.
   *
   * @return whether none is left
   */
  public boolean awaitInherited(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    synchronized (lock) {
      while (!inherited.isEmpty() && !state.finished()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        lock.wait(Math.max(1, left / 1_000_000L));
      }
      return inherited.isEmpty();
    }
  }

  /**
   * Its open servers with their transaction tables, for the migration descriptor: call while
   * STUNNED, so nothing runs that could add a reply later.
   */
  public List<MovedServer> movedServers() {
    List<MovedServer> all = new ArrayList<>();
    for (RpcServer s : servers) {
      if (s.isClosed()) {
        continue; // the program closed it: its next incarnation will not serve it again
      }
      all.add(new MovedServer(s.putPort().value(), s.instance(), s.exportTable()));
    }
    return all;
  }

  /** Starts the main thread, or the child JVM and its pumps. */
  public synchronized void start() {
    if (main != null) {
      throw new IllegalStateException("started already");
    }
    if (loaded == null) {
      startChild();
      return;
    }
    Context context = new Context();
    main = new Thread(group, () -> runMain(context), "proc-" + pid + "-" + name + "-main");
    main.setDaemon(true); // a thread that ignores kill must never keep the board JVM alive
    main.setContextClassLoader(loaded.loader() != null ? loaded.loader() : KernelProcess.class.getClassLoader());
    main.start();
  }

  private void startChild() {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Xmx" + jvmHeapMb + "m");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ChildMain.class.getName());
    command.add(board);
    command.add(Integer.toString(pid));
    command.add(amoeba.capabilities.CapabilityText.format(capability));
    command.add(source);
    command.addAll(args);
    ProcessBuilder b = new ProcessBuilder(command);
    b.environment().clear();
    b.environment().putAll(env);
    Process c;
    try {
      c = b.start();
    } catch (IOException e) {
      stderr.println("cannot start a child JVM: " + e.getMessage());
      finish(ProcessState.CRASHED, STATUS_CRASHED);
      return;
    }
    child = c;
    main = new Thread(group, () -> {
      link = new ChildLink(new LinkHost(), c.getInputStream(), c.getOutputStream());
      Thread channel = link.start();
      Thread e = pump(c.getErrorStream(), err, "stderr");
      try {
        int status = c.waitFor();
        channel.join();
        e.join();
        finish(status == STATUS_CRASHED ? ProcessState.CRASHED : ProcessState.EXITED, status);
      } catch (InterruptedException x) {
        // killed: finish() destroyed the child
      }
    }, "proc-" + pid + "-" + name + "-waiter");
    main.setDaemon(true);
    main.start();
  }

  /** The child's raw stderr: only what its JVM prints itself (e.g. a fatal error report). */
  private Thread pump(InputStream from, OutputLog to, String what) {
    Thread t = new Thread(group, () -> {
      byte[] buffer = new byte[8192];
      try (InputStream in = from) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          to.write(buffer, 0, n);
        }
      } catch (IOException e) {
        // the child is gone
      }
    }, "proc-" + pid + "-" + what);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** What the local channel of a child JVM reaches of this process. */
  private final class LinkHost implements ChildLink.Host {
    private final Context context = new Context();

    @Override
    public Ipc ipc() {
      return context;
    }

    @Override
    public OutputLog stdoutLog() {
      return out;
    }

    @Override
    public OutputLog stderrLog() {
      return err;
    }

    @Override
    public InputPipe stdinPipe() {
      return stdin;
    }

    @Override
    public ThreadGroup group() {
      return group;
    }

    @Override
    public String threadName(String what) {
      return "proc-" + pid + "-" + what;
    }

    @Override
    public ByteBuffer started(boolean checkpointable) {
      childCheckpointable = checkpointable;
      byte[] state = restoreState;
      restoreState = null;
      if (state != null && !checkpointable) {
        malformed(name + " is not Checkpointable: no state to restore");
        state = null;
      }
      Capability root = grants.root();
      ByteBuffer b = ByteBuffer.allocate(1 + Capability.SIZE + 4 + (state == null ? 0 : state.length));
      b.put((byte) (root == null ? 0 : 1));
      if (root != null) {
        root.write(b, 1);
      }
      b.position(1 + Capability.SIZE);
      if (state == null) {
        b.putInt(-1);
      } else {
        b.putInt(state.length).put(state);
      }
      return b.flip();
    }

    @Override
    public void stunned(byte[] state) {
      synchronized (lock) {
        if (state().finished()) {
          return;
        }
        childCheckpoint = state;
        KernelProcess.this.state = ProcessState.STUNNED;
        lock.notifyAll();
      }
    }

    @Override
    public void malformed(String why) {
      byte[] line = ("the child JVM broke its channel: " + why + "\n").getBytes(StandardCharsets.UTF_8);
      err.write(line, 0, line.length);
      finish(ProcessState.CRASHED, STATUS_CRASHED);
    }
  }

  private void runMain(Context context) {
    int status;
    ProcessState how;
    try {
      status = loaded.program().run(context);
      how = ProcessState.EXITED;
      synchronized (lock) {
        if (stunRequested && state == ProcessState.RUNNING) {
          Thread.interrupted(); // the stun's interrupt is consumed
          state = ProcessState.STUNNED;
          lock.notifyAll();
          return; // held at the safe point: checkpoint, then migrated() or kill()
        }
      }
    } catch (Throwable t) { // the program's failure, whatever it is, must not take the board
      t.printStackTrace(stderr);
      stderr.flush();
      status = STATUS_CRASHED;
      how = ProcessState.CRASHED;
    }
    long cpu = THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : 0;
    synchronized (lock) {
      finishedCpuNanos += Math.max(0, cpu);
    }
    finish(how, status);
  }

  /**
   * Kills the process: marks it KILLED (status 137) unless it finished already, and interrupts
   * its threads. @return whether this call killed it
   */
  public boolean kill() {
    return finish(ProcessState.KILLED, STATUS_KILLED);
  }

  /**
   * Stuns a {@link Checkpointable} program: asks it to stop at a safe point (interrupts its main
   * thread: such a program returns from {@code run} between requests) and waits for it. Its RPC
   * servers stay open meanwhile (requests queue up, none runs), so its ports remain here until
   * {@link #migrated}.
   *
   * @return whether it is STUNNED now (false: not running, or it did not stop in time)
   */
  public boolean stun(long timeoutMillis) throws InterruptedException {
    Thread t;
    synchronized (lock) {
      if (state != ProcessState.RUNNING) {
        return state == ProcessState.STUNNED;
      }
      stunRequested = true;
    }
    synchronized (this) {
      t = main;
    }
    ChildLink l = link;
    if (loaded == null) {
      if (l != null) {
        l.stun(); // the child interrupts its main thread and answers STUNNED with its state
      }
    } else if (t != null) {
      t.interrupt();
    }
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    synchronized (lock) {
      while (state == ProcessState.RUNNING) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          stunRequested = false;
          return false;
        }
        lock.wait(Math.max(1, left / 1_000_000L));
      }
      return state == ProcessState.STUNNED;
    }
  }

  /** Its state moved to another board: closes its servers (FLIP answers NOTHERE from now on). */
  public boolean migrated() {
    return finish(ProcessState.MIGRATED, 0);
  }

  private boolean finish(ProcessState how, int status) {
    synchronized (lock) {
      if (state.finished()) {
        return false;
      }
      state = how;
      exitStatus = status;
      lock.notifyAll();
    }
    for (Thread t : threads0()) {
      if (t != Thread.currentThread()) {
        t.interrupt();
      }
    }
    for (RpcServer s : servers) {
      s.close();
    }
    for (GroupMember g : groups) {
      g.close();
    }
    Process c = child;
    if (c != null) {
      c.destroyForcibly(); // jvm isolation: kill always works; a moved or broken child ends too
    }
    stdin.close();
    stdout.flush();
    stderr.flush();
    out.close();
    err.close();
    synchronized (lock) {
      released = true; // await() returns only now: nothing of the process answers any more
      lock.notifyAll();
    }
    return true;
  }

  /**
   * Waits until the process finished and its servers and groups are closed, or {@code
   * timeoutMillis} passed. @return its state
   */
  public ProcessState await(long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    synchronized (lock) {
      while (!state.finished() || !released) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        lock.wait(Math.max(1, left / 1_000_000L));
      }
      return state;
    }
  }

  /**
   * Waits (at most until {@code deadlineNanos}, System.nanoTime) for the main thread to return
   * after a kill: a program that catches the interrupt may still finish its last calls (a board's
   * publisher withdrawing its rows) while the board's RPC is open.
   */
  public void awaitMainThread(long deadlineNanos) throws InterruptedException {
    Thread t;
    synchronized (this) {
      t = main;
    }
    long left = deadlineNanos - System.nanoTime();
    if (t != null && t != Thread.currentThread() && left > 0) {
      t.join(Math.max(1, left / 1_000_000L));
    }
  }

  private List<Thread> threads0() {
    Thread[] all = new Thread[Math.max(4, group.activeCount() * 2 + 4)];
    int n = group.enumerate(all, true);
    return new ArrayList<>(Arrays.asList(all).subList(0, n));
  }

  /**
   * Live threads of the process (after a kill: the ones that ignored it). In jvm isolation: 1
   * while the child JVM lives (its own threads are not counted here), else 0.
   */
  public int threads() {
    Process c = child;
    if (c != null || jvmHeapMb > 0) {
      return c != null && c.isAlive() ? 1 : 0;
    }
    int n = 0;
    for (Thread t : threads0()) {
      if (t.isAlive()) {
        n++;
      }
    }
    return n;
  }

  /**
   * CPU time of the process: its live threads (ThreadMXBean) plus its main thread's once it
   * ended. CPU of other threads that ended before this call is not counted.
   */
  public long cpuNanos() {
    Process ch = child;
    if (ch != null) {
      return ch.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }
    long sum;
    synchronized (lock) {
      sum = finishedCpuNanos;
    }
    if (THREADS.isThreadCpuTimeSupported()) {
      for (Thread t : threads0()) {
        long c = THREADS.getThreadCpuTime(t.getId());
        if (c > 0) {
          sum += c;
        }
      }
    }
    return sum;
  }

  @Override
  public String toString() {
    return "process " + pid + " (" + name + ", " + state() + ")";
  }

  private final class Context implements ProcessContext, Ipc {
    @Override
    public String board() {
      return board;
    }

    @Override
    public int pid() {
      return pid;
    }

    @Override
    public List<String> args() {
      return args;
    }

    @Override
    public Map<String, String> env() {
      return env;
    }

    @Override
    public InputStream stdin() {
      return stdin;
    }

    @Override
    public PrintStream stdout() {
      return stdout;
    }

    @Override
    public PrintStream stderr() {
      return stderr;
    }

    @Override
    public Capability self() {
      return capability;
    }

    @Override
    public Capability root() {
      return grants.root();
    }

    @Override
    public Path storage() {
      Path p = grants.storage();
      if (p != null) {
        try {
          Files.createDirectories(p);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create the storage folder " + p, e);
        }
      }
      return p;
    }

    @Override
    public PoolAuthority authority() {
      return grants.authority();
    }

    @Override
    public Ipc ipc() {
      return this;
    }

    @Override
    public RpcMessage trans(RpcMessage request, long timeoutNanos) {
      return rpc.trans(request, timeoutNanos);
    }

    @Override
    public RpcServer serve(Port getPort) {
      if (state().finished()) {
        throw new IllegalStateException("process " + pid + " has finished");
      }
      MovedServer moved;
      synchronized (lock) {
        moved = inherited.get(getPort.putPort().value());
      }
      RpcServer s = moved == null ? rpc.server(getPort) : rpc.server(getPort, moved.instance(), moved.table());
      servers.add(s);
      if (moved != null) {
        synchronized (lock) {
          inherited.remove(moved.putPort());
          lock.notifyAll(); // awaitInherited
        }
      }
      if (state().finished()) { // killed meanwhile: finish() may have missed it
        s.close();
      }
      return s;
    }

    @Override
    public GroupMember createGroup(long port, GroupConfig config) {
      return owned(GroupMember.create(rpc.box(), port, config));
    }

    @Override
    public GroupMember joinGroup(long port, GroupConfig config, long timeoutNanos) {
      return owned(GroupMember.join(rpc.box(), port, config, timeoutNanos));
    }

    private GroupMember owned(GroupMember g) {
      groups.add(g);
      if (state().finished()) { // killed meanwhile: finish() may have missed it
        g.close();
      }
      return g;
    }
  }
}
