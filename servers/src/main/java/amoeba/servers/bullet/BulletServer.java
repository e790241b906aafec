package amoeba.servers.bullet;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.Server;
import amoeba.kernel.server.BoardPorts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * A Bullet file server (Amoeba's): immutable files, each created, written in chunks and
 * committed atomically, then only read, touched, aged or destroyed. One per board, on the
 * get-port {@code BoardPorts.getPort(key, "bullet", board)}, so every pool-key holder computes
 * its owner capability ({@link #SERVICE}). Commands and wire format: {@link BulletCommand};
 * disk layout and crash rule: {@link BulletStore}.
 *
 * <p>Bounds: a file is never held in memory (WRITE goes to the temp file, READ returns at most
 * {@link BulletCommand#MAX_CHUNK_BYTES} per call from a per-thread buffer); at most {@code
 * maxUncommitted} files are being written at once (NOSPACE beyond), and one not written to for
 * {@code uncommittedTimeoutNanos} is discarded by {@link #sweep}.
 *
 * <p>Garbage collection by aging, as in Amoeba: every committed file has a lifetime of {@code
 * maxLifetime} age passes. STD_TOUCH, READ and SIZE reset it; each STD_AGE (server capability,
 * ADMIN right) lowers every committed file's lifetime by one and destroys the files that reach
 * 0. So a file survives {@code maxLifetime - 1} passes without being touched and is destroyed by
 * the next. Whoever keeps a file (the directory server for what it names) touches it between
 * passes. Lifetimes live in memory: a restart gives every file the full lifetime again (it errs
 * on keeping files).
 */
public final class BulletServer extends Server<BulletFile> {
  /** The service name of the get-ports: {@code BoardPorts.getPort(key, SERVICE, board)}. */
  public static final String SERVICE = "bullet";

  /**
   * @param maxUncommitted files being written at once
   * @param uncommittedTimeoutNanos an uncommitted file idle this long is discarded
   * @param maxLifetime age passes an untouched committed file survives (see the class comment)
   * @param maxFileBytes the largest file
   */
  public record Config(int maxUncommitted, long uncommittedTimeoutNanos, int maxLifetime, long maxFileBytes) {
    public Config {
      if (maxUncommitted < 1 || uncommittedTimeoutNanos <= 0 || maxLifetime < 1 || maxFileBytes < 0) {
        throw new IllegalArgumentException("bullet config: counts >= 1, timeout > 0, size >= 0");
      }
    }

    /** 64 files being written, abandoned after 60 s, lifetime 24 passes, files up to 16 GiB. */
    public static Config defaults() {
      return new Config(64, 60_000_000_000L, 24, 16L << 30);
    }
  }

  private final BulletStore store;
  private final Config config;
  private final LongSupplier clock;
  private final Capability owner;
  private final BulletFile root = BulletFile.server();
  /** Every file object (not the server), for sweeps and age passes. */
  private final Set<BulletFile> files = ConcurrentHashMap.newKeySet();
  /** The uncommitted ones among them, for sweeps. */
  private final Set<BulletFile> writing = ConcurrentHashMap.newKeySet();
  /** Uncommitted files plus CREATEs under way: never above maxUncommitted. */
  private final AtomicInteger uncommitted = new AtomicInteger();
  private final ThreadLocal<ByteBuffer> readBuffers = new ThreadLocal<>();

  /**
   * Opens the store under {@code folder} (deleting leftover temp files) and installs every
   * committed file with its persisted object number and secret.
   *
   * @param getPort the server's get-port; object 0's secret is derived from it
   * @param clock nanoseconds, for the uncommitted-file timeout
   */
  public BulletServer(Path folder, Port getPort, Config config, RandomGenerator random, LongSupplier clock)
      throws IOException {
    super(getPort.putPort(), new CheckScheme(random));
    this.config = config;
    this.clock = clock;
    List<BulletStore.Stored> stored = new ArrayList<>();
    this.store = BulletStore.open(folder, stored);
    try {
      this.owner = objects.install(0, root, BoardPorts.rootSecret(getPort));
      for (BulletStore.Stored s : stored) {
        BulletFile f = BulletFile.committed(s, config.maxLifetime());
        objects.install(s.object(), f, s.secret());
        files.add(f);
      }
    } catch (CapabilityException e) {
      throw new IllegalStateException(e);
    }
    command(BulletCommand.CREATE.code(), Rights.CREATE, this::create);
    command(BulletCommand.WRITE.code(), Rights.MODIFY, this::write);
    command(BulletCommand.COMMIT.code(), Rights.MODIFY, this::commit);
    command(BulletCommand.READ.code(), Rights.READ, this::read);
    command(BulletCommand.SIZE.code(), Rights.READ, this::size);
    command(StdCommand.STD_DESTROY.code(), Rights.DELETE, (f, rq, rp) -> destroy(f, rp));
    command(StdCommand.STD_REVOKE.code(), Rights.ALL, this::revoke);
    command(StdCommand.STD_AGE.code(), Rights.ADMIN, (f, rq, rp) -> f == root ? age() : notServer(rp));
  }

  /** The owner capability of the server (object 0): CREATE and STD_AGE take it. */
  public Capability owner() {
    return owner;
  }

  /** Committed files held. */
  public int committedFiles() {
    return files.size() - writing.size();
  }

  /** Files being written. */
  public int uncommittedFiles() {
    return writing.size();
  }

  // ---- commands -------------------------------------------------------------------------------

  private int create(BulletFile server, RpcMessage rq, RpcMessage rp) throws CapabilityException {
    if (server != root) {
      return fail(rp, ErrorCode.BADPARAM, "CREATE takes the server's capability, not a file's");
    }
    ByteBuffer data = rq.data();
    if (data.remaining() < 1) {
      return fail(rp, ErrorCode.BADPARAM, "CREATE data: the flags byte is missing");
    }
    int flags = data.get(data.position()) & 0xFF;
    if ((flags & ~(BulletCommand.FLAG_COMMIT | BulletCommand.FLAG_SAFE)) != 0) {
      return fail(rp, ErrorCode.BADPARAM, "CREATE: unknown flags 0x" + Integer.toHexString(flags));
    }
    long length = data.remaining() - 1L;
    if (length > config.maxFileBytes()) {
      return fail(rp, ErrorCode.BADPARAM, "a file is at most " + config.maxFileBytes() + " bytes");
    }
    sweep();
    if (uncommitted.incrementAndGet() > config.maxUncommitted()) {
      uncommitted.decrementAndGet();
      return fail(rp, ErrorCode.NOSPACE, config.maxUncommitted() + " files are being written already");
    }
    BulletStore.Temp temp;
    try {
      temp = store.newTemp();
    } catch (IOException e) {
      uncommitted.decrementAndGet();
      return ioFailure(rp, "CREATE", e);
    }
    BulletFile f = BulletFile.uncommitted(temp, clock.getAsLong());
    Capability cap;
    synchronized (f) {
      try {
        cap = objects.allocate(f);
      } catch (CapabilityException e) {
        uncommitted.decrementAndGet();
        BulletStore.discard(temp);
        throw e;
      }
      f.object = cap.object();
      f.secret = cap.check();
      files.add(f);
      writing.add(f);
      try {
        writeAt(f, 0, data.duplicate().position(data.position() + 1));
        if ((flags & BulletCommand.FLAG_COMMIT) != 0) {
          commitLocked(f, length, (flags & BulletCommand.FLAG_SAFE) != 0);
        }
      } catch (IOException e) {
        discard(f);
        return ioFailure(rp, "CREATE", e);
      }
    }
    rp.capability(cap);
    return ok();
  }

  private int write(BulletFile f, RpcMessage rq, RpcMessage rp) {
    ByteBuffer data = rq.data();
    if (data.remaining() < 8) {
      return fail(rp, ErrorCode.BADPARAM, "WRITE data: the u64 offset is missing");
    }
    long offset = data.getLong(data.position());
    long length = data.remaining() - 8L;
    if (offset < 0 || offset > config.maxFileBytes() - length) {
      return fail(rp, ErrorCode.BADPARAM,
          "WRITE beyond the largest file (" + config.maxFileBytes() + " bytes): offset " + offset);
    }
    synchronized (f) {
      String why = uncommitted(f, "WRITE");
      if (why != null) {
        return fail(rp, ErrorCode.BADPARAM, why);
      }
      f.lastUseNanos = clock.getAsLong();
      try {
        if (!writeAt(f, offset, data.duplicate().position(data.position() + 8))) {
          return fail(rp, ErrorCode.NOSPACE, "too many separate written ranges; write in order");
        }
      } catch (IOException e) {
        discard(f);
        return ioFailure(rp, "WRITE", e);
      }
    }
    return ok();
  }

  /** Writes {@code data} at {@code offset}; false if the range map is full (nothing written). */
  private static boolean writeAt(BulletFile f, long offset, ByteBuffer data) throws IOException {
    long end = offset + data.remaining();
    if (!f.coverage.add(offset, end)) {
      return false;
    }
    FileChannel ch = f.temp.channel();
    long at = offset;
    while (data.hasRemaining()) {
      at += ch.write(data, at);
    }
    return true;
  }

  private int commit(BulletFile f, RpcMessage rq, RpcMessage rp) {
    ByteBuffer data = rq.data();
    if (data.remaining() != 9) {
      return fail(rp, ErrorCode.BADPARAM, "COMMIT data is u64 size, u8 flags (9 bytes), not " + data.remaining());
    }
    long size = data.getLong(data.position());
    int flags = data.get(data.position() + 8) & 0xFF;
    if ((flags & ~BulletCommand.FLAG_SAFE) != 0) {
      return fail(rp, ErrorCode.BADPARAM, "COMMIT: unknown flags 0x" + Integer.toHexString(flags));
    }
    synchronized (f) {
      String why = uncommitted(f, "COMMIT");
      if (why != null) {
        return fail(rp, ErrorCode.BADPARAM, why);
      }
      if (!f.coverage.exactly(size)) {
        return fail(rp, ErrorCode.BADPARAM, "COMMIT of " + size + " bytes: bytes 0.." + size
            + " are not all written (written up to " + f.coverage.end() + ")");
      }
      try {
        commitLocked(f, size, (flags & BulletCommand.FLAG_SAFE) != 0);
      } catch (IOException e) {
        discard(f);
        return ioFailure(rp, "COMMIT", e);
      }
      rp.capability(CheckScheme.owner(objects.port(), f.object, f.secret));
    }
    return ok();
  }

  private void commitLocked(BulletFile f, long size, boolean safe) throws IOException {
    f.path = store.commit(f.temp, f.object, f.secret, safe);
    f.temp = null;
    f.coverage = null;
    f.size = size;
    f.lifetime = config.maxLifetime();
    f.state = BulletFile.State.COMMITTED;
    writing.remove(f);
    uncommitted.decrementAndGet();
  }

  private int read(BulletFile f, RpcMessage rq, RpcMessage rp) {
    ByteBuffer data = rq.data();
    if (data.remaining() != 12) {
      return fail(rp, ErrorCode.BADPARAM, "READ data is u64 offset, u32 max (12 bytes), not " + data.remaining());
    }
    long offset = data.getLong(data.position());
    long max = data.getInt(data.position() + 8) & 0xFFFF_FFFFL;
    if (offset < 0 || max > BulletCommand.MAX_CHUNK_BYTES) {
      return fail(rp, ErrorCode.BADPARAM, "READ: offset >= 0 and max <= " + BulletCommand.MAX_CHUNK_BYTES);
    }
    String why = committed(f, "READ");
    if (why != null) {
      return fail(rp, ErrorCode.BADPARAM, why);
    }
    f.lifetime = config.maxLifetime();
    long size = f.size;
    int n = (int) Math.max(0, Math.min(max, size - offset));
    ByteBuffer b = readBuffer(8 + n);
    b.putLong(size).limit(8 + n);
    try {
      readFully(f, offset, b);
    } catch (IOException e) {
      if (f.state == BulletFile.State.GONE) {
        return fail(rp, ErrorCode.NO_SUCH_OBJECT, "READ: the file was destroyed meanwhile");
      }
      return ioFailure(rp, "READ", e);
    }
    rp.data(b.flip());
    return ok();
  }

  /** Reads into the rest of {@code b} from {@code offset}; a revoke may rename the file meanwhile. */
  private static void readFully(BulletFile f, long offset, ByteBuffer b) throws IOException {
    if (!b.hasRemaining()) {
      return;
    }
    for (int attempt = 0; ; attempt++) {
      Path p = f.path;
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
        long at = offset;
        while (b.hasRemaining()) {
          int got = ch.read(b, at);
          if (got < 0) {
            throw new IOException("the file " + p.getFileName() + " is shorter than recorded");
          }
          at += got;
        }
        return;
      } catch (NoSuchFileException e) {
        if (attempt > 0 || p.equals(f.path)) {
          throw e;
        }
      }
    }
  }

  private ByteBuffer readBuffer(int length) {
    ByteBuffer b = readBuffers.get();
    if (b == null || b.capacity() < length) {
      // Grows to the largest chunk asked for, at most 8 MiB + 8 per server thread.
      b = ByteBuffer.allocateDirect(Math.max(length, 64 << 10));
      readBuffers.set(b);
    }
    return b.clear();
  }

  private int size(BulletFile f, RpcMessage rq, RpcMessage rp) {
    String why = committed(f, "SIZE");
    if (why != null) {
      return fail(rp, ErrorCode.BADPARAM, why);
    }
    f.lifetime = config.maxLifetime();
    rp.data(ByteBuffer.allocate(8).putLong(0, f.size));
    return ok();
  }

  private int destroy(BulletFile f, RpcMessage rp) {
    if (f == root) {
      return fail(rp, ErrorCode.DENIED, "the server itself cannot be destroyed");
    }
    synchronized (f) {
      if (f.state == BulletFile.State.GONE) {
        return ErrorCode.NO_SUCH_OBJECT.code();
      }
      discard(f);
    }
    return ok();
  }

  private int revoke(BulletFile f, RpcMessage rq, RpcMessage rp) throws CapabilityException {
    if (f == root) {
      return fail(rp, ErrorCode.DENIED, "the server's capability derives from the pool key: not revocable");
    }
    synchronized (f) {
      if (f.state == BulletFile.State.GONE) {
        return ErrorCode.NO_SUCH_OBJECT.code();
      }
      Capability fresh = objects.revoke(rq.capability());
      long old = f.secret;
      f.secret = fresh.check();
      if (f.state == BulletFile.State.COMMITTED) {
        try {
          f.path = store.rename(f.path, f.object, f.secret);
        } catch (IOException e) {
          // The new secret holds in memory; after a restart the old one would again.
          Logger.error(e, "bullet: revoke of object {} not persisted (old secret {})", f.object, old);
          return ioFailure(rp, "STD_REVOKE", e);
        }
      }
      rp.capability(fresh);
    }
    return ok();
  }

  @Override
  protected int touch(BulletFile f) {
    if (f.state == BulletFile.State.COMMITTED) {
      f.lifetime = config.maxLifetime();
    }
    return ok();
  }

  /** One aging pass (see the class comment). */
  @Override
  protected int age() {
    int destroyed = 0;
    for (BulletFile f : files) {
      synchronized (f) {
        if (f.state == BulletFile.State.COMMITTED && --f.lifetime <= 0) {
          discard(f);
          destroyed++;
        }
      }
    }
    if (destroyed > 0) {
      Logger.info("bullet: age pass destroyed {} file(s)", destroyed);
    }
    return ok();
  }

  /**
   * Discards uncommitted files nobody wrote to for the configured timeout. Called before every
   * CREATE and periodically by {@link BulletProgram}.
   *
   * @return how many were discarded
   */
  public int sweep() {
    long now = clock.getAsLong();
    int n = 0;
    for (BulletFile f : writing) {
      synchronized (f) {
        if (f.state == BulletFile.State.UNCOMMITTED && now - f.lastUseNanos > config.uncommittedTimeoutNanos()) {
          discard(f);
          n++;
        }
      }
    }
    return n;
  }

  @Override
  protected String info(BulletFile f) {
    synchronized (f) {
      return describe(f);
    }
  }

  private String describe(BulletFile f) {
    return switch (f.state) {
      case SERVER -> "bullet server: " + committedFiles() + " files, " + uncommittedFiles() + " being written";
      case UNCOMMITTED -> "bullet file (uncommitted), written up to " + f.coverage.end();
      case COMMITTED -> "bullet file, " + f.size + " bytes";
      case GONE -> "bullet file (destroyed)";
    };
  }

  /** Removes a file object from the table and its bytes from disk. Holds f's lock. */
  private void discard(BulletFile f) {
    try {
      objects.remove(CheckScheme.owner(objects.port(), f.object, f.secret));
    } catch (CapabilityException e) {
      // already removed
    }
    files.remove(f);
    if (f.state == BulletFile.State.UNCOMMITTED) {
      writing.remove(f);
      uncommitted.decrementAndGet();
      BulletStore.discard(f.temp);
      f.temp = null;
    } else if (f.state == BulletFile.State.COMMITTED) {
      store.delete(f.path);
    }
    f.state = BulletFile.State.GONE;
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static String uncommitted(BulletFile f, String command) {
    return switch (f.state) {
      case UNCOMMITTED -> null;
      case COMMITTED -> command + ": the file is committed, hence immutable";
      case SERVER -> command + " takes a file's capability, not the server's";
      case GONE -> command + ": the file was destroyed or abandoned";
    };
  }

  private static String committed(BulletFile f, String command) {
    return switch (f.state) {
      case COMMITTED -> null;
      case UNCOMMITTED -> command + ": the file is not committed yet";
      case SERVER -> command + " takes a file's capability, not the server's";
      case GONE -> command + ": the file was destroyed";
    };
  }

  private static int notServer(RpcMessage rp) {
    return fail(rp, ErrorCode.BADPARAM, "STD_AGE takes the server's capability");
  }

  private static int ok() {
    return ErrorCode.OK.code();
  }

  private static int fail(RpcMessage reply, ErrorCode code, String reason) {
    reply.data(ByteBuffer.wrap(reason.getBytes(StandardCharsets.UTF_8)));
    return code.code();
  }

  private static int ioFailure(RpcMessage reply, String command, IOException e) {
    String message = String.valueOf(e.getMessage());
    boolean full = message.contains("No space left");
    Logger.warn("bullet: {} failed: {}", command, e.toString());
    return fail(reply, full ? ErrorCode.NOSPACE : ErrorCode.SYSERR, command + ": " + e);
  }
}
