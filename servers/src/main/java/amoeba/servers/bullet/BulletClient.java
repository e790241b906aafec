package amoeba.servers.bullet;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.Transactions;
import amoeba.servers.directory.CapabilitySet;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Client of the Bullet servers, over one {@link Rpc} (or a process's IPC): files written to k servers (one
 * capability per replica, a {@link CapabilitySet}), read from the first replica that answers.
 *
 * <p>Streaming and memory: data moves in chunks of {@link Options#chunkBytes}; up to {@link
 * Options#window} chunks are in flight at once (pipelined on that many worker threads, each
 * with its own RPC endpoint), so a transfer holds at most (window + 1) chunks, whatever the
 * file's size. Window 1 runs every call on the caller's thread and starts no thread.
 *
 * <p>Failure rules: create picks the first {@code k} servers of the list that accept a CREATE
 * (servers that are unreachable or full are skipped); a replica failing later fails the whole
 * create and every uncommitted replica is destroyed (the caller retries). Reads try the replica
 * that last answered, then the others in order; any error of one replica moves on to the next.
 * Every call returns within its timeout (the RPC layer's guarantee).
 */
public final class BulletClient implements AutoCloseable {
  /**
   * @param chunkBytes bytes per WRITE/READ, 1..{@link BulletCommand#MAX_CHUNK_BYTES}
   * @param window chunks in flight at once (1: no worker threads)
   * @param timeoutNanos per call
   */
  public record Options(int chunkBytes, int window, long timeoutNanos) {
    public Options {
      if (chunkBytes < 1 || chunkBytes > BulletCommand.MAX_CHUNK_BYTES || window < 1 || window > 64
          || timeoutNanos <= 0) {
        throw new IllegalArgumentException("chunk 1.." + BulletCommand.MAX_CHUNK_BYTES + ", window 1..64, timeout > 0");
      }
    }

    /** 256 KiB chunks, 4 in flight, 30 s per call: measured best on UDP loopback (docs). */
    public static Options defaults() {
      return new Options(256 << 10, 4, 30_000_000_000L);
    }

    /** One chunk at a time on the caller's thread (a kernel fetching a program). */
    public static Options sequential() {
      return new Options(256 << 10, 1, 30_000_000_000L);
    }
  }

  /** Bytes of the offset that precedes a WRITE's data; chunk buffers reserve them. */
  private static final int HEAD = 8;
  /** Sends of an idempotent command before its failure is final. */
  private static final int ATTEMPTS = 3;

  private final Transactions rpc;
  private final Options options;
  private final ThreadLocal<RpcMessage> requests = ThreadLocal.withInitial(RpcMessage::new);
  private final AtomicLong peakBufferedBytes = new AtomicLong();
  private ExecutorService workers;

  public BulletClient(Rpc rpc, Options options) {
    this(rpc::trans, options);
  }

  /** Over any carrier of transactions, e.g. a system program's {@code ctx.ipc()::trans}. */
  public BulletClient(Transactions rpc, Options options) {
    this.rpc = rpc;
    this.options = options;
  }

  public Options options() {
    return options;
  }

  /** The most chunk-buffer bytes one transfer of this client held at once (for tests). */
  public long peakBufferedBytes() {
    return peakBufferedBytes.get();
  }

  // ---- create ---------------------------------------------------------------------------------

  /** {@link #create(InputStream, List, int, boolean)} of bytes in memory. */
  public CapabilitySet create(byte[] data, List<Capability> servers, int replicas, boolean safe)
      throws RpcException, IOException {
    return create(new ByteArrayInputStream(data), servers, replicas, safe);
  }

  /**
   * Writes everything {@code in} holds to {@code replicas} of {@code servers} (Bullet server
   * owner capabilities, tried in order) and commits it there.
   *
   * @param safe commit returns only once each replica is on disk (fsync)
   * @return the committed file's capabilities, one per replica, in server order
   * @throws RpcException fewer than {@code replicas} servers accepted it, or a replica failed
   * @throws IOException reading {@code in} failed (nothing is left behind on the servers)
   */
  public CapabilitySet create(InputStream in, List<Capability> servers, int replicas, boolean safe)
      throws RpcException, IOException {
    if (replicas < 1 || replicas > CapabilitySet.MAX) {
      throw new IllegalArgumentException("replicas are 1.." + CapabilitySet.MAX + ": " + replicas);
    }
    int chunk = options.chunkBytes();
    Buffers buffers = new Buffers();
    ArrayDeque<Chunk> ready = new ArrayDeque<>();
    Chunk first = buffers.read(in);
    ready.add(first);
    if (first.length() == chunk) {
      Chunk second = buffers.read(in);
      if (second.length() > 0) {
        ready.add(second);
      } else {
        buffers.give(second.bytes());
      }
    }
    // A file of one chunk is one CREATE with COMMIT; a longer one is an empty CREATE and then
    // every chunk pipelined as a WRITE (the first chunk does not wait for the CREATE's round trip).
    boolean whole = ready.size() == 1;
    List<Capability> files = new ArrayList<>();
    RpcException lastRefusal = null;
    for (Capability server : servers) {
      if (files.size() == replicas) {
        break;
      }
      try {
        files.add(createOn(server, first.bytes(), whole ? first.length() : 0, whole, safe));
      } catch (RpcException e) {
        if (!skippable(e)) {
          destroyQuietly(files);
          throw e;
        }
        lastRefusal = e;
      }
    }
    if (files.size() < replicas) {
      destroyQuietly(files);
      throw new RpcException(lastRefusal == null ? ErrorCode.NOTFOUND.code() : lastRefusal.status(),
          "CREATE: " + files.size() + " of " + replicas + " replicas placed on " + servers.size()
              + " server(s)" + (lastRefusal == null ? "" : "; last refusal: " + lastRefusal.getMessage()));
    }
    if (whole) {
      peakBufferedBytes.accumulateAndGet(buffers.peak, Math::max);
      return new CapabilitySet(files);
    }
    try {
      long size = writeAll(in, files, ready, buffers);
      ByteBuffer commit = ByteBuffer.allocate(9).putLong(size).put((byte) (safe ? BulletCommand.FLAG_SAFE : 0)).flip();
      List<Capability> committed = new ArrayList<>();
      for (Capability f : files) {
        committed.add(call(f, BulletCommand.COMMIT, commit.duplicate()).capability());
      }
      return new CapabilitySet(committed);
    } catch (RpcException | IOException | RuntimeException e) {
      destroyQuietly(files);
      throw e;
    } finally {
      peakBufferedBytes.accumulateAndGet(buffers.peak, Math::max);
    }
  }

  private Capability createOn(Capability server, byte[] chunk, int n, boolean commit, boolean safe)
      throws RpcException {
    int flags = (commit ? BulletCommand.FLAG_COMMIT : 0) | (commit && safe ? BulletCommand.FLAG_SAFE : 0);
    chunk[HEAD - 1] = (byte) flags;
    return call(server, BulletCommand.CREATE, ByteBuffer.wrap(chunk, HEAD - 1, n + 1)).capability();
  }

  /**
   * Writes the chunks in {@code ready}, then the rest of {@code in}, to every replica, at most a
   * window of chunks in flight; returns the file's size.
   */
  private long writeAll(InputStream in, List<Capability> files, ArrayDeque<Chunk> ready, Buffers buffers)
      throws RpcException, IOException {
    ArrayDeque<Future<byte[]>> inFlight = new ArrayDeque<>();
    long offset = 0;
    try {
      while (true) {
        Chunk c = ready.poll();
        if (c == null) {
          c = buffers.read(in);
          if (c.length() == 0) {
            buffers.give(c.bytes());
            break;
          }
        }
        byte[] chunk = c.bytes();
        int length = c.length();
        ByteBuffer.wrap(chunk).putLong(0, offset);
        Callable<byte[]> write = () -> {
          for (Capability f : files) {
            retried(f, BulletCommand.WRITE, ByteBuffer.wrap(chunk, 0, HEAD + length));
          }
          return chunk;
        };
        offset += length;
        if (options.window() == 1) {
          buffers.give(write.call());
        } else {
          inFlight.add(workers().submit(write));
          if (inFlight.size() >= options.window()) {
            buffers.give(await(inFlight.poll()));
          }
        }
      }
      while (!inFlight.isEmpty()) {
        buffers.give(await(inFlight.poll()));
      }
      return offset;
    } catch (RpcException | IOException | RuntimeException e) {
      inFlight.forEach(f -> f.cancel(false));
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A chunk buffer (data after its {@value #HEAD}-byte head) and how many data bytes it holds. */
  private record Chunk(byte[] bytes, int length) {}

  private static boolean skippable(RpcException e) {
    ErrorCode c = e.code().orElse(ErrorCode.SYSERR);
    return c.isRpcLevel() || c == ErrorCode.NOSPACE || c == ErrorCode.NOTNOW || c == ErrorCode.SYSERR;
  }

  /** Reads until {@code b} (after its head) is full or the stream ends; returns the bytes read. */
  private int fill(InputStream in, byte[] b) throws IOException {
    int n = 0;
    int want = b.length - HEAD;
    while (n < want) {
      int got = in.read(b, HEAD + n, want - n);
      if (got < 0) {
        break;
      }
      n += got;
    }
    return n;
  }

  /** Chunk buffers of one transfer: reused, counted, so the peak is known. */
  private final class Buffers {
    private final ArrayDeque<byte[]> free = new ArrayDeque<>();
    private int taken;
    long peak;

    byte[] take() {
      byte[] b = free.poll();
      if (b == null) {
        b = new byte[HEAD + options.chunkBytes()];
      }
      taken++;
      peak = Math.max(peak, (long) taken * options.chunkBytes());
      return b;
    }

    void give(byte[] b) {
      taken--;
      free.push(b);
    }

    /** A buffer filled from {@code in} (length 0 at the end of the stream). */
    Chunk read(InputStream in) throws IOException {
      byte[] b = take();
      return new Chunk(b, fill(in, b));
    }
  }

  // ---- read -----------------------------------------------------------------------------------

  /** A chunk read from some replica. */
  private record Piece(long fileSize, byte[] bytes) {}

  /** The replicas of one file and the one that answered last. */
  private final class Replicas {
    final List<Capability> caps;
    final AtomicInteger preferred = new AtomicInteger();

    Replicas(CapabilitySet set) {
      this.caps = set.capabilities();
    }

    Piece read(long offset, int max) throws RpcException {
      ByteBuffer rq = ByteBuffer.allocate(12).putLong(offset).putInt(max).flip();
      RpcMessage reply = first(BulletCommand.READ, rq);
      ByteBuffer d = reply.data();
      if (d.remaining() < 8) {
        throw new RpcException(ErrorCode.BADPARAM.code(), "READ reply: no size");
      }
      long size = d.getLong(d.position());
      byte[] bytes = new byte[d.remaining() - 8];
      d.get(d.position() + 8, bytes);
      return new Piece(size, bytes);
    }

    /**
     * The reply of the first replica that answers {@code command}, starting with the one that
     * answered last: one try each; if all fail and the last failure was passing (FAILURE,
     * TRYAGAIN), a second round with retries.
     */
    RpcMessage first(BulletCommand command, ByteBuffer data) throws RpcException {
      RpcException last = null;
      int start = preferred.get();
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < caps.size(); i++) {
          int r = (start + i) % caps.size();
          try {
            RpcMessage reply = round == 0 ? call(caps.get(r), command, data.duplicate()) : retried(caps.get(r), command, data);
            preferred.set(r);
            return reply;
          } catch (RpcException e) {
            last = e;
          }
        }
        if (!passing(last)) {
          break;
        }
      }
      throw last;
    }

    long size() throws RpcException {
      RpcMessage reply = first(BulletCommand.SIZE, ByteBuffer.allocate(0));
      if (reply.dataLength() != 8) {
        throw new RpcException(ErrorCode.BADPARAM.code(), "SIZE reply is not 8 bytes");
      }
      return reply.data().getLong(reply.data().position());
    }
  }

  /** The file's size, from the first replica that answers. */
  public long size(CapabilitySet file) throws RpcException {
    return new Replicas(file).size();
  }

  /** The whole file into {@code out}, in order, chunks prefetched up to the window. */
  public void read(CapabilitySet file, OutputStream out) throws RpcException, IOException {
    read(file, out, Long.MAX_VALUE);
  }

  /**
   * The whole file in memory.
   *
   * @throws IOException if it is larger than {@code maxBytes}
   */
  public byte[] readAll(CapabilitySet file, int maxBytes) throws RpcException, IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    read(file, out, maxBytes);
    return out.toByteArray();
  }

  /**
   * Reads the whole file in order: the first chunk alone (its reply carries the file's size),
   * then a window of chunks in flight. Asking for more before the size is known was measured:
   * it helps 1 MiB files a little and makes a 1 KiB read 4-10x slower on a loaded host (the
   * wasted READs compete for the CPU), so it is not done.
   */
  private void read(CapabilitySet file, OutputStream out, long maxBytes) throws RpcException, IOException {
    Replicas replicas = new Replicas(file);
    int chunk = options.chunkBytes();
    record Pending(long offset, Future<Piece> piece) {}
    ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    long size = -1;
    long next = 0;
    long held = 0;
    boolean asked = false;
    try {
      while (true) {
        while (!asked || next < size && inFlight.size() < options.window()) {
          asked = true;
          long at = next;
          int len = (int) (size >= 0 ? Math.min(chunk, size - at) : chunk);
          // the first chunk on the caller's thread: a small file costs no hand-off
          inFlight.add(new Pending(at, options.window() == 1 || at == 0
              ? CompletableFuture.completedFuture(replicas.read(at, len))
              : workers().submit(() -> replicas.read(at, len))));
          next += len;
        }
        held = Math.max(held, (inFlight.size() + 1L) * chunk); // in flight, and the one being written
        Pending p = inFlight.poll();
        if (p == null) {
          return;
        }
        Piece piece = await(p.piece());
        if (size < 0) {
          size = piece.fileSize();
          if (size > maxBytes) {
            throw new IOException("the file has " + size + " bytes, more than the " + maxBytes + " allowed");
          }
        }
        long expected = Math.max(0, Math.min(chunk, size - p.offset()));
        if (piece.fileSize() != size || piece.bytes().length != expected) {
          throw new RpcException(ErrorCode.BADPARAM.code(), "READ: the replicas disagree on the file's size");
        }
        out.write(piece.bytes());
      }
    } catch (RpcException | IOException | RuntimeException e) {
      inFlight.forEach(f -> f.piece().cancel(false));
      throw e;
    } finally {
      peakBufferedBytes.accumulateAndGet(held, Math::max);
    }
  }

  /**
   * A stream of the file's bytes, read chunk by chunk on the caller's thread (one chunk held),
   * falling back to other replicas like {@link #read}.
   */
  public InputStream open(CapabilitySet file) {
    Replicas replicas = new Replicas(file);
    return new InputStream() {
      private byte[] buffer = new byte[0];
      private int at;
      private long offset;
      private long size = -1;

      private boolean refill() throws IOException {
        if (at < buffer.length) {
          return true;
        }
        if (size >= 0 && offset >= size) {
          return false;
        }
        try {
          Piece p = replicas.read(offset, options.chunkBytes());
          if (size >= 0 && p.fileSize() != size) {
            throw new IOException("the replicas disagree on the file's size");
          }
          size = p.fileSize();
          buffer = p.bytes();
          at = 0;
          offset += buffer.length;
          return buffer.length > 0;
        } catch (RpcException e) {
          throw new IOException(e.getMessage(), e);
        }
      }

      @Override
      public int read() throws IOException {
        return refill() ? buffer[at++] & 0xFF : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        if (!refill()) {
          return -1;
        }
        int n = Math.min(len, buffer.length - at);
        System.arraycopy(buffer, at, b, off, n);
        at += n;
        return n;
      }
    };
  }

  // ---- destroy, rereplicate -------------------------------------------------------------------

  /**
   * Destroys every replica that answers.
   *
   * @return how many were destroyed
   * @throws RpcException if none was (the last error)
   */
  public int destroy(CapabilitySet file) throws RpcException {
    int destroyed = 0;
    RpcException last = null;
    for (Capability c : file.capabilities()) {
      try {
        std(c, amoeba.capabilities.StdCommand.STD_DESTROY);
        destroyed++;
      } catch (RpcException e) {
        last = e;
      }
    }
    if (destroyed == 0 && last != null) {
      throw last;
    }
    return destroyed;
  }

  /** Whether the Bullet server at {@code server} (its capability) answers STD_INFO. */
  public boolean answers(Capability server) {
    try {
      std(server, amoeba.capabilities.StdCommand.STD_INFO);
      return true;
    } catch (RpcException e) {
      return false;
    }
  }

  /** What one replica's SIZE said. */
  public enum ReplicaState {
    /** It answered. */
    LIVE,
    /** Its server is not located (the board or its Bullet server is gone) or no longer knows the file. */
    LOST,
    /** No conclusion (busy, or silent after contact): not a reason to drop it. */
    UNKNOWN
  }

  /**
   * Asks one replica its SIZE (cheap; it also resets the file's lifetime). NOTFOUND, CAPBAD and
   * NO_SUCH_OBJECT are LOST. A lost contact (FAILURE) or TRYAGAIN is asked again up to {@value
   * #ATTEMPTS} times: after FAILURE the RPC layer locates afresh, so a board that died with its
   * port cached then reads NOTFOUND; what still fails is UNKNOWN.
   */
  public ReplicaState probe(Capability file) {
    try {
      retried(file, BulletCommand.SIZE, ByteBuffer.allocate(0));
      return ReplicaState.LIVE;
    } catch (RpcException e) {
      ErrorCode c = e.code().orElse(ErrorCode.SYSERR);
      return c == ErrorCode.NOTFOUND || c == ErrorCode.CAPBAD || c == ErrorCode.NO_SUCH_OBJECT
          ? ReplicaState.LOST : ReplicaState.UNKNOWN;
    }
  }

  /**
   * Restores {@code replicas} copies of a file some of whose replicas are lost: keeps the
   * replicas that answer ({@link #probe}) and those with no conclusion (UNKNOWN: maybe alive,
   * not counted), and copies the file from the live ones to servers of {@code candidates}
   * that hold no replica yet (safe commit).
   *
   * @return the kept replicas followed by the new ones (LOST ones are left out)
   * @throws RpcException no replica answers, or too few candidates accept a copy
   */
  public CapabilitySet rereplicate(CapabilitySet file, List<Capability> candidates, int replicas)
      throws RpcException, IOException {
    List<Capability> live = new ArrayList<>();
    List<Capability> kept = new ArrayList<>();
    for (Capability c : file.capabilities()) {
      ReplicaState state = probe(c);
      if (state != ReplicaState.LOST) {
        kept.add(c);
      }
      if (state == ReplicaState.LIVE) {
        live.add(c);
      }
    }
    if (live.isEmpty()) {
      throw new RpcException(ErrorCode.NOTFOUND.code(), "rereplicate: no replica of the file answers");
    }
    int missing = Math.min(replicas - live.size(), CapabilitySet.MAX - kept.size());
    if (missing <= 0) {
      return new CapabilitySet(kept);
    }
    List<Capability> all = new ArrayList<>(kept);
    all.addAll(copy(new CapabilitySet(live), kept, candidates, missing).capabilities());
    return new CapabilitySet(all);
  }

  /**
   * Copies a file, read from the live replicas {@code from}, to {@code copies} servers of
   * {@code candidates} whose port none of {@code holders} has (safe commit).
   *
   * @return the new replicas' capabilities
   * @throws RpcException no replica of {@code from} can be read, or too few candidates accept a copy
   */
  public CapabilitySet copy(CapabilitySet from, List<Capability> holders, List<Capability> candidates, int copies)
      throws RpcException, IOException {
    List<Capability> targets = candidates.stream()
        .filter(s -> holders.stream().noneMatch(c -> c.port().equals(s.port())))
        .toList();
    try (InputStream in = open(from)) {
      return create(in, targets, copies, true);
    } catch (IOException e) {
      if (e.getCause() instanceof RpcException r) {
        throw r; // the source failed: an RPC error, not a local one
      }
      throw e;
    }
  }

  // ---- calls ----------------------------------------------------------------------------------

  private RpcMessage call(Capability cap, BulletCommand command, ByteBuffer data) throws RpcException {
    RpcMessage rq = requests.get().clear().capability(cap).command(command.code()).data(data);
    RpcMessage reply = rpc.trans(rq, options.timeoutNanos());
    if (!reply.ok()) {
      throw failure(reply, command.name());
    }
    return reply;
  }

  /**
   * {@link #call} of an idempotent command (WRITE of the same bytes at the same offset, READ,
   * SIZE), repeated after a lost contact (FAILURE) or a busy server (TRYAGAIN): a big chunk on
   * a loaded host may need it. Never for CREATE or COMMIT, whose repetition is not harmless.
   */
  private RpcMessage retried(Capability cap, BulletCommand command, ByteBuffer data) throws RpcException {
    for (int attempt = 1; ; attempt++) {
      try {
        return call(cap, command, data.duplicate());
      } catch (RpcException e) {
        if (!passing(e) || attempt >= ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private static boolean passing(RpcException e) {
    return e.status() == ErrorCode.FAILURE.code() || e.status() == ErrorCode.TRYAGAIN.code();
  }

  private void std(Capability cap, amoeba.capabilities.StdCommand command) throws RpcException {
    RpcMessage rq = requests.get().clear().capability(cap).command(command.code());
    RpcMessage reply = rpc.trans(rq, options.timeoutNanos());
    if (!reply.ok()) {
      throw failure(reply, command.name());
    }
  }

  private static RpcException failure(RpcMessage reply, String what) {
    byte[] why = new byte[Math.min(reply.dataLength(), 512)];
    reply.data().get(reply.data().position(), why);
    String reason = new String(why, StandardCharsets.UTF_8);
    return new RpcException(reply.status(), reason.isEmpty() ? what : what + ": " + reason);
  }

  private void destroyQuietly(List<Capability> files) {
    for (Capability f : files) {
      try {
        std(f, amoeba.capabilities.StdCommand.STD_DESTROY);
      } catch (RpcException e) {
        // best effort: an unreachable server discards the uncommitted file by its timeout
      }
    }
  }

  private synchronized ExecutorService workers() {
    if (workers == null) {
      AtomicInteger n = new AtomicInteger();
      workers = Executors.newFixedThreadPool(options.window(), r -> {
        Thread t = new Thread(r, "bullet-client-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      });
    }
    return workers;
  }

  private static <T> T await(Future<T> f) throws RpcException, IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RpcException(ErrorCode.INTERRUPTED.code(), "interrupted");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RpcException r) {
        throw r;
      }
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException rt) {
        throw rt;
      }
      throw new IllegalStateException(c);
    }
  }

  /** Stops the worker threads (each holds an RPC endpoint). */
  @Override
  public synchronized void close() {
    if (workers != null) {
      workers.shutdownNow();
      workers = null;
    }
  }
}
