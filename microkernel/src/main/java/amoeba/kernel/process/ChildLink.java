package amoeba.kernel.process;

import amoeba.capabilities.Port;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;
import amoeba.kernel.api.Ipc;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernel's side of a child JVM's local channel ({@link ChannelFrame}): demultiplexes the
 * child's frames (output to the process's logs, IPC onto the board's {@link Rpc}), feeds its
 * stdin under a credit window, and asks it to stun. Each call number of the child (one child
 * thread) gets a proxy thread here that runs its trans, getreq and putrep in order, so Amoeba's
 * per-thread getreq/putrep hold. Anything the child sends that breaks the protocol ends it
 * (CRASHED, the reason on its stderr log); nothing it sends can throw out of this class.
 */
final class ChildLink {
  /** Proxy threads per child at most: a call number beyond it is answered ERROR. */
  static final int MAX_PROXIES = 64;
  /** Frames queued per proxy at most (one call and its putrep/close follow-ups fit easily). */
  static final int PROXY_QUEUE = 8;
  /** A proxy with nothing to do for this long ends (a new one starts on the next call). */
  static final long PROXY_IDLE_MS = 30_000;
  /** Bytes of calls queued at a child's proxies at most (32 MiB): more is a flood, and ends it. */
  static final long MAX_QUEUED_BYTES = 32L << 20;
  /** Stdin bytes sent to the child and not read by the program yet, at most (64 KiB). */
  static final int STDIN_WINDOW = 64 << 10;

  /** What the link needs from its process. */
  interface Host {
    Ipc ipc();

    OutputLog stdoutLog();

    OutputLog stderrLog();

    InputPipe stdinPipe();

    ThreadGroup group();

    String threadName(String what);

    /** HELLO arrived: the program loaded. @return the START payload (root, state) */
    ByteBuffer started(boolean checkpointable);

    /** STUNNED arrived with the program's checkpoint. */
    void stunned(byte[] state);

    /** The child broke the protocol: end it, {@code why} on its stderr log. */
    void malformed(String why);
  }

  private final Host host;
  private final ChannelFrame.Writer writer;
  private final ChannelFrame.Reader reader;
  private final Semaphore stdinCredit = new Semaphore(STDIN_WINDOW);
  /** Guarded by itself. */
  private final Map<Integer, Proxy> proxies = new HashMap<>();
  private final Map<Integer, RpcServer> handles = new ConcurrentHashMap<>();
  private final AtomicInteger nextHandle = new AtomicInteger(1);
  private final java.util.concurrent.atomic.AtomicLong queuedBytes = new java.util.concurrent.atomic.AtomicLong();

  ChildLink(Host host, InputStream fromChild, OutputStream toChild) {
    this.host = host;
    this.reader = new ChannelFrame.Reader(fromChild);
    this.writer = new ChannelFrame.Writer(toChild);
  }

  /** Starts the demultiplexer and the stdin feeder. @return the demultiplexer thread */
  Thread start() {
    Thread in = thread(this::feed, "stdin");
    in.start();
    Thread demux = thread(this::demux, "channel");
    demux.start();
    return demux;
  }

  private Thread thread(Runnable r, String what) {
    Thread t = new Thread(host.group(), r, host.threadName(what));
    t.setDaemon(true);
    return t;
  }

  /** Asks the program to stop at its safe point (it answers STUNNED with its checkpoint). */
  void stun() {
    send(ChannelFrame.STUN, ByteBuffer.allocate(0));
  }

  /** Reads and dispatches the child's frames until the channel ends or breaks ({@link #start} runs it). */
  void demux() {
    try {
      for (ByteBuffer f; (f = reader.next()) != null; ) {
        dispatch(reader.kind(), f);
      }
    } catch (ChannelFrame.Malformed e) {
      host.malformed(e.getMessage());
    } catch (IOException e) {
      // the child is gone: its waiter finishes the process
    }
  }

  private void dispatch(int kind, ByteBuffer f) throws ChannelFrame.Malformed {
    try {
      switch (kind) {
        case ChannelFrame.STDOUT -> host.stdoutLog().write(f.array(), 0, f.limit());
        case ChannelFrame.STDERR -> host.stderrLog().write(f.array(), 0, f.limit());
        case ChannelFrame.STDIN_ACK -> {
          int n = f.getInt();
          if (n < 0 || stdinCredit.availablePermits() + n > STDIN_WINDOW) {
            throw new ChannelFrame.Malformed("STDIN_ACK of " + n + " bytes it was never sent");
          }
          stdinCredit.release(n);
        }
        case ChannelFrame.HELLO -> send(ChannelFrame.START, host.started((f.get() & ChannelFrame.CHECKPOINTABLE) != 0));
        case ChannelFrame.STUNNED -> host.stunned(f.array());
        case ChannelFrame.CLOSE -> {
          f.getInt();
          RpcServer s = handles.remove(f.getInt());
          if (s != null) {
            s.close();
          }
        }
        case ChannelFrame.TRANS, ChannelFrame.SERVE, ChannelFrame.GETREQ, ChannelFrame.PUTREP ->
            toProxy(f.getInt(), kind, f);
        default -> throw new ChannelFrame.Malformed("unknown frame kind " + kind);
      }
    } catch (java.nio.BufferUnderflowException e) {
      throw new ChannelFrame.Malformed("frame of kind " + kind + " is too short");
    }
  }

  private void toProxy(int call, int kind, ByteBuffer f) throws ChannelFrame.Malformed {
    synchronized (proxies) {
      Proxy p = proxies.get(call);
      if (p == null) {
        if (kind == ChannelFrame.PUTREP) {
          throw new ChannelFrame.Malformed("putrep on call " + call + " without its request");
        }
        if (proxies.size() >= MAX_PROXIES) {
          result(call, ChannelFrame.ERROR, "more than " + MAX_PROXIES + " threads doing IPC at once");
          return;
        }
        p = new Proxy(call);
        proxies.put(call, p);
        p.thread.start();
      }
      if (queuedBytes.addAndGet(f.capacity()) > MAX_QUEUED_BYTES) {
        throw new ChannelFrame.Malformed("more than " + MAX_QUEUED_BYTES + " bytes of calls queued");
      }
      if (!p.queue.offer(new Work(kind, f))) {
        throw new ChannelFrame.Malformed("call " + call + " sent more than " + PROXY_QUEUE + " frames ahead");
      }
    }
  }

  private record Work(int kind, ByteBuffer frame) {}

  /** Runs one child thread's IPC, in order, on a kernel thread of its own. */
  private final class Proxy {
    final int call;
    final BlockingQueue<Work> queue = new ArrayBlockingQueue<>(PROXY_QUEUE);
    final Thread thread;
    final RpcMessage request = new RpcMessage();
    /** The server whose request this thread holds (getreq done, putrep not yet), or null. */
    RpcServer holding;

    Proxy(int call) {
      this.call = call;
      this.thread = thread(this::run, "ipc-" + call);
    }

    private void run() {
      try {
        while (true) {
          Work w = queue.poll(PROXY_IDLE_MS, TimeUnit.MILLISECONDS);
          if (w == null) {
            synchronized (proxies) {
              if (queue.isEmpty() && holding == null) {
                proxies.remove(call);
                return;
              }
            }
            continue;
          }
          queuedBytes.addAndGet(-w.frame().capacity());
          try {
            run(w.kind(), w.frame());
          } catch (RuntimeException e) { // e.g. serve() of a finished process
            if (w.kind() == ChannelFrame.PUTREP) { // nobody waits for its outcome
              byte[] line = ("putrep failed: " + e + "\n").getBytes(StandardCharsets.UTF_8);
              host.stderrLog().write(line, 0, line.length);
            } else {
              result(call, ChannelFrame.ERROR, e.toString());
            }
          }
        }
      } catch (InterruptedException e) {
        // the process finished
      } catch (ChannelFrame.Malformed e) {
        host.malformed(e.getMessage());
      }
    }

    private void run(int kind, ByteBuffer f) throws ChannelFrame.Malformed {
      try {
        switch (kind) {
          case ChannelFrame.TRANS -> {
            long timeout = f.getLong();
            RpcMessage reply = host.ipc().trans(ChannelFrame.readMessage(f, request), timeout);
            send(ChannelFrame.RESULT, ChannelFrame.withMessage(ok(), reply));
          }
          case ChannelFrame.SERVE -> {
            long port = f.getLong();
            if (port == 0 || (port & ~Port.MASK) != 0) {
              result(call, ChannelFrame.ERROR, "not a get-port: " + Long.toHexString(port));
              return;
            }
            RpcServer s = host.ipc().serve(new Port(port));
            int handle = nextHandle.getAndIncrement();
            handles.put(handle, s);
            send(ChannelFrame.RESULT, ok().putInt(handle).putLong(s.instance()).flip());
          }
          case ChannelFrame.GETREQ -> {
            RpcServer s = server(f.getInt());
            long timeout = f.getLong();
            if (holding != null) {
              throw new ChannelFrame.Malformed("getreq on call " + call + " before the putrep of its request");
            }
            RpcMessage rq = s == null ? null : s.getreq(timeout);
            if (rq == null) {
              result(call, ChannelFrame.NONE, "");
            } else {
              holding = s;
              send(ChannelFrame.RESULT, ChannelFrame.withMessage(ok(), rq));
            }
          }
          case ChannelFrame.PUTREP -> {
            RpcServer s = server(f.getInt());
            if (holding == null || holding != s) {
              throw new ChannelFrame.Malformed("putrep on call " + call + " without its request");
            }
            holding = null;
            s.putrep(ChannelFrame.readMessage(f, request));
          }
          default -> throw new ChannelFrame.Malformed("unknown call kind " + kind);
        }
      } catch (java.nio.BufferUnderflowException e) {
        throw new ChannelFrame.Malformed("frame of kind " + kind + " is too short");
      }
    }

    private ByteBuffer ok() {
      return ChannelFrame.call(call, 1 + 12).put((byte) ChannelFrame.OK);
    }
  }

  /** A served handle of this child; null if it was closed (getreq then answers NONE). */
  private RpcServer server(int handle) throws ChannelFrame.Malformed {
    if (handle <= 0 || handle >= nextHandle.get()) {
      throw new ChannelFrame.Malformed("no server handle " + handle);
    }
    return handles.get(handle);
  }

  private void result(int call, int outcome, String text) {
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ChannelFrame.call(call, 1 + t.length).put((byte) outcome).put(t);
    send(ChannelFrame.RESULT, b.flip());
  }

  private void send(int kind, ByteBuffer payload) {
    try {
      writer.write(kind, payload);
    } catch (IOException e) {
      // the child is gone (or its stdin closed): its waiter finishes the process
    }
  }

  /** Stdin to the child, at most {@link #STDIN_WINDOW} bytes ahead of what the program read. */
  private void feed() {
    byte[] buffer = new byte[8192];
    InputPipe stdin = host.stdinPipe();
    try {
      while (true) {
        stdinCredit.acquire(1);
        int room = 1 + stdinCredit.drainPermits();
        int n = stdin.read(buffer, 0, Math.min(buffer.length, room));
        if (n < 0) {
          send(ChannelFrame.STDIN_EOF, ByteBuffer.allocate(0));
          return;
        }
        stdinCredit.release(room - n);
        writer.write(ChannelFrame.STDIN, buffer, 0, n);
      }
    } catch (InterruptedException | IOException e) {
      // the process finished
    }
  }

  /** Servers the child opened (the process closes them all when it ends). */
  int servers() {
    return handles.size();
  }
}
