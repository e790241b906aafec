package amoeba.kernel.process;

import amoeba.capabilities.Capability;
import amoeba.capabilities.Port;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupMember;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;
import amoeba.kernel.api.Ipc;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A child JVM's side of the local channel: its {@link Ipc} (each call a frame to the kernel,
 * which runs it on the board's RPC), its stdin, and the reader of the kernel's frames. Each
 * program thread that calls gets a call number of its own; the kernel answers a call with one
 * RESULT. Groups are not offered here (their protocol runs on a thread of the member's box).
 */
final class ChildIpc implements Ipc {
  /** Longest the kernel may take beyond a call's own timeout before the channel counts as lost. */
  static final long GRACE_NANOS = 60_000_000_000L;

  /** The kernel's START: the root capability (or null) and a checkpoint to restore (or null). */
  record Start(Capability root, byte[] state) {}

  /** One calling thread: its call number, where its RESULT arrives, its reused messages. */
  private static final class Slot {
    final int call;
    final BlockingQueue<ByteBuffer> results = new ArrayBlockingQueue<>(1);
    final RpcMessage reply = new RpcMessage();
    final RpcMessage request = new RpcMessage();

    Slot(int call) {
      this.call = call;
    }
  }

  private final ChannelFrame.Writer writer;
  private final ChannelFrame.Reader reader;
  private final Thread main;
  private final InputPipe stdinPipe = new InputPipe(ChildLink.STDIN_WINDOW);
  private final InputStream stdin = new Stdin();
  private final AtomicInteger nextCall = new AtomicInteger(1);
  private final Map<Integer, Slot> slots = new ConcurrentHashMap<>();
  private final ThreadLocal<Slot> slot = new ThreadLocal<>();
  private final CountDownLatch started = new CountDownLatch(1);
  private volatile Start start;
  private volatile boolean stunRequested;

  ChildIpc(ChannelFrame.Writer writer, InputStream fromKernel, Thread main) {
    this.writer = writer;
    this.reader = new ChannelFrame.Reader(fromKernel);
    this.main = main;
  }

  void start() {
    Thread t = new Thread(this::read, "channel-reader");
    t.setDaemon(true);
    t.start();
  }

  InputStream stdin() {
    return stdin;
  }

  boolean stunRequested() {
    return stunRequested;
  }

  Start awaitStart(long timeoutMillis) throws InterruptedException {
    if (!started.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("no START from the kernel in " + timeoutMillis + " ms");
    }
    return start;
  }

  /** Blocks until the kernel ends this JVM (a stunned child is destroyed after the move). */
  void awaitEnd() throws InterruptedException {
    new CountDownLatch(1).await();
  }

  /** The kernel's frames; the end of the channel means the kernel let go of this child. */
  private void read() {
    try {
      for (ByteBuffer f; (f = reader.next()) != null; ) {
        switch (reader.kind()) {
          case ChannelFrame.STDIN -> {
            if (!stdinPipe.offer(f.array())) {
              throw new ChannelFrame.Malformed("the kernel sent stdin beyond its credit");
            }
          }
          case ChannelFrame.STDIN_EOF -> stdinPipe.close();
          case ChannelFrame.RESULT -> {
            Slot s = slots.get(f.getInt());
            if (s != null) {
              s.results.offer(f); // full only after a call gave up waiting: that answer is late
            }
          }
          case ChannelFrame.STUN -> {
            stunRequested = true;
            main.interrupt();
          }
          case ChannelFrame.START -> {
            Capability root = f.get() == 1 ? Capability.read(f, 1) : null;
            f.position(1 + Capability.SIZE);
            int n = f.getInt();
            byte[] state = null;
            if (n >= 0) {
              state = new byte[n];
              f.get(state);
            }
            start = new Start(root, state);
            started.countDown();
          }
          default -> throw new ChannelFrame.Malformed("unknown frame kind " + reader.kind());
        }
      }
    } catch (IOException | ChannelFrame.Malformed | RuntimeException e) {
      System.err.println("the channel to the kernel failed: " + e);
    }
    Runtime.getRuntime().halt(KernelProcess.STATUS_KILLED); // orphaned: never outlive the kernel
  }

  private Slot slot() {
    Slot s = slot.get();
    if (s == null) {
      s = new Slot(nextCall.getAndIncrement());
      slots.put(s.call, s);
      slot.set(s);
    }
    return s;
  }

  private void send(int kind, ByteBuffer payload) {
    try {
      writer.write(kind, payload);
    } catch (IOException e) {
      throw new UncheckedIOException("the channel to the kernel is closed", e);
    }
  }

  /**
   * Sends a call and waits for its RESULT, ignoring interrupts (the kernel answers every call
   * within its timeout; an interrupt is kept for the program to see afterwards).
   *
   * @return the RESULT after its call number: outcome byte, then the answer
   */
  private ByteBuffer call(Slot s, int kind, ByteBuffer payload, long timeoutNanos) {
    send(kind, payload);
    long deadline = System.nanoTime() + Math.max(0, timeoutNanos) + GRACE_NANOS;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          ByteBuffer r = s.results.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          if (r == null) {
            slot.remove(); // a late RESULT must not answer this thread's next call
            slots.remove(s.call);
            throw new IllegalStateException("the kernel did not answer call " + s.call);
          }
          if (r.get(r.position()) == ChannelFrame.ERROR) {
            r.get();
            byte[] why = new byte[r.remaining()];
            r.get(why);
            throw new IllegalStateException(new String(why, StandardCharsets.UTF_8));
          }
          return r;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static RpcMessage message(ByteBuffer r, RpcMessage into) {
    try {
      return ChannelFrame.readMessage(r, into);
    } catch (ChannelFrame.Malformed e) {
      throw new IllegalStateException("the kernel sent " + e.getMessage());
    }
  }

  @Override
  public RpcMessage trans(RpcMessage request, long timeoutNanos) {
    Slot s = slot();
    ByteBuffer p = ChannelFrame.withMessage(ChannelFrame.call(s.call, 8).putLong(timeoutNanos), request);
    ByteBuffer r = call(s, ChannelFrame.TRANS, p, timeoutNanos);
    r.get(); // OK
    return message(r, s.reply);
  }

  @Override
  public RpcServer serve(Port getPort) {
    Slot s = slot();
    ByteBuffer r = call(s, ChannelFrame.SERVE, ChannelFrame.call(s.call, 8).putLong(getPort.value()).flip(), 0);
    r.get();
    return new Served(r.getInt(), getPort.putPort(), r.getLong());
  }

  @Override
  public GroupMember createGroup(long port, GroupConfig config) {
    throw noGroups();
  }

  @Override
  public GroupMember joinGroup(long port, GroupConfig config, long timeoutNanos) {
    throw noGroups();
  }

  private static UnsupportedOperationException noGroups() {
    return new UnsupportedOperationException("groups are not offered in jvm isolation: use --isolation thread");
  }

  /** A server of the kernel's RPC, seen from the child: getreq and putrep travel as frames. */
  private final class Served extends RpcServer {
    private final int handle;
    private final Port putPort;
    private final long instance;
    /** Whether this thread holds a request of this server that it has not answered. */
    private final ThreadLocal<Boolean> holding = ThreadLocal.withInitial(() -> false);
    private volatile boolean closed;

    Served(int handle, Port putPort, long instance) {
      this.handle = handle;
      this.putPort = putPort;
      this.instance = instance;
    }

    @Override
    public Port putPort() {
      return putPort;
    }

    @Override
    public long instance() {
      return instance;
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public int tableSize() {
      return 0; // the table lives in the kernel
    }

    @Override
    public byte[] exportTable() {
      throw new UnsupportedOperationException("the kernel exports the table of a child's server");
    }

    @Override
    public RpcMessage getreq(long timeoutNanos) {
      if (holding.get()) {
        throw new IllegalStateException("putrep the current request before the next getreq");
      }
      if (closed) {
        return null;
      }
      Slot s = slot();
      ByteBuffer p = ChannelFrame.call(s.call, 12).putInt(handle).putLong(timeoutNanos).flip();
      ByteBuffer r = call(s, ChannelFrame.GETREQ, p, timeoutNanos);
      if (r.get() == ChannelFrame.NONE) {
        return null;
      }
      holding.set(true);
      return message(r, s.request);
    }

    @Override
    public void putrep(RpcMessage reply) {
      if (!holding.get()) {
        throw new IllegalStateException("no request to answer: getreq first");
      }
      holding.set(false);
      Slot s = slot();
      send(ChannelFrame.PUTREP, ChannelFrame.withMessage(ChannelFrame.call(s.call, 4).putInt(handle), reply));
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      Slot s = slot();
      send(ChannelFrame.CLOSE, ChannelFrame.call(s.call, 4).putInt(handle).flip());
    }

    @Override
    public String toString() {
      return "RpcServer[" + putPort + ", instance=" + Long.toHexString(instance) + ", via the kernel]";
    }
  }

  /** The program's stdin: bytes of STDIN frames; each read gives its credit back. */
  private final class Stdin extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = stdinPipe.read(b, off, len);
      if (n > 0) {
        writer.write(ChannelFrame.STDIN_ACK, ByteBuffer.allocate(4).putInt(n).flip());
      }
      return n;
    }

    @Override
    public int available() {
      return stdinPipe.available();
    }
  }
}
