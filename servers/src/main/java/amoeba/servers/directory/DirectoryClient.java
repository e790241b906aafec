package amoeba.servers.directory;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.api.Ipc;
import amoeba.kernel.server.Wire;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Client stubs of the directory server, and the pool's {@link Namespace}: absolute paths are
 * sent with the root capability and walked by the server in one call. The reply's reason text
 * (UTF-8 data of an error) is part of the exception's message.
 *
 * <p>Namespace commands go first to the leader port (its put-port asked once with LEADER),
 * where the replica holding the group's lease reads without a group round and orders updates
 * itself; with half the call's time. When that port certainly did not run the call (NOTFOUND,
 * NOTNOW, TRYAGAIN; for a read also FAILURE, as reads change nothing) the call goes to the
 * clients' port with the time left, and the leader port rests (1 s, doubling up to 8 s while it
 * keeps failing). An update's FAILURE there is the caller's answer: it may have applied.
 */
public final class DirectoryClient implements Namespace {
  /** One transaction: {@link Rpc#trans} or a process's {@link Ipc#trans}. */
  @FunctionalInterface
  public interface Transport {
    RpcMessage trans(RpcMessage request, long timeoutNanos);
  }

  /** A listed row: its name, its capabilities as the holder may see them (maybe none), masks. */
  public record Row(String name, List<Capability> capabilities, int[] masks) {}

  /** A listing: the directory's column names and rows. */
  public record Listing(List<String> columns, List<Row> rows) {}

  /** One item of an atomic install: compare with {@code expected} (null: must be absent) if compare. */
  public record InstallItem(String path, boolean compare, CapabilitySet expected, CapabilitySet replacement) {}

  /** After the leader port failed a call, it is not tried for this long (doubling, bounded). */
  static final long LEADER_REST_NANOS = 1_000_000_000L;
  static final long LEADER_REST_MAX_NANOS = 8 * LEADER_REST_NANOS;

  private final Capability root;
  private final Transport transport;
  private final long timeoutNanos;
  private final LongSupplier clock;
  /** The leader port's put-port: 0 not known yet, -1 the server has none. */
  private volatile long leaderPort;
  private volatile long leaderRetryAt;
  private volatile long leaderRestNanos; // 0: the leader port is tried

  /** @param clock nanoseconds, for the leader port's rest after a failure */
  public DirectoryClient(Capability root, Transport transport, long timeoutNanos, LongSupplier clock) {
    this.root = root;
    this.transport = transport;
    this.timeoutNanos = timeoutNanos;
    this.clock = clock;
  }

  public DirectoryClient(Capability root, Transport transport, long timeoutNanos) {
    this(root, transport, timeoutNanos, System::nanoTime);
  }

  public DirectoryClient(Capability root, Rpc rpc, long timeoutNanos) {
    this(root, rpc::trans, timeoutNanos);
  }

  public DirectoryClient(Capability root, Ipc ipc, long timeoutNanos) {
    this(root, ipc::trans, timeoutNanos);
  }

  public Capability root() {
    return root;
  }

  private ByteBuffer call(Capability cap, int command, String what, Wire.Out data) throws RpcException {
    RpcMessage rq = new RpcMessage().capability(cap).command(command)
        .data(data == null ? ByteBuffer.allocate(0) : data.buffer());
    long start = clock.getAsLong();
    RpcMessage reply = viaLeader(rq, DirectoryCommand.of(command));
    if (reply == null) {
      rq.port(cap.port().value());
      reply = transport.trans(rq, Math.max(0, timeoutNanos - (clock.getAsLong() - start)));
    }
    byte[] bytes = new byte[reply.dataLength()];
    reply.data().get(reply.data().position(), bytes);
    if (!reply.ok()) {
      String why = bytes.length == 0 ? what
          : command == DirectoryCommand.INSTALL.code() && bytes.length == 1
              ? what + ": item " + bytes[0] + " is not as compared"
              : what + ": " + new String(bytes, StandardCharsets.UTF_8);
      throw new RpcException(reply.status(), why);
    }
    if (command == amoeba.capabilities.StdCommand.STD_REVOKE.code()) {
      return ByteBuffer.wrap(reply.capability().toBytes());
    }
    return ByteBuffer.wrap(bytes);
  }

  /** The call through the leader port, or null when it should go to the clients' port. */
  private RpcMessage viaLeader(RpcMessage rq, DirectoryCommand command) {
    if (command == null || !command.namespace()
        || (leaderRestNanos > 0 && clock.getAsLong() - leaderRetryAt < 0)) {
      return null;
    }
    long port = leaderPort();
    if (port <= 0) {
      return null;
    }
    RpcMessage reply = transport.trans(rq.port(port), timeoutNanos / 2);
    int status = reply.status();
    boolean notRun = status == ErrorCode.NOTFOUND.code() || status == ErrorCode.NOTNOW.code()
        || status == ErrorCode.TRYAGAIN.code();
    if (notRun || status == ErrorCode.FAILURE.code()) {
      rest();
      return notRun || !command.update() ? null : reply;
    }
    leaderRestNanos = 0;
    return reply;
  }

  private void rest() {
    long rest = Math.min(LEADER_REST_MAX_NANOS, Math.max(LEADER_REST_NANOS, 2 * leaderRestNanos));
    leaderRestNanos = rest;
    leaderRetryAt = clock.getAsLong() + rest;
  }

  /** The leader port's put-port (asked once), -1 if the server has none, 0 if not known now. */
  private long leaderPort() {
    long port = leaderPort;
    if (port != 0) {
      return port;
    }
    RpcMessage reply = transport.trans(new RpcMessage().port(root.port().value())
        .command(DirectoryCommand.LEADER.code()), timeoutNanos / 2);
    if (reply.ok() && reply.dataLength() == 8) {
      port = reply.data().getLong(reply.data().position());
    } else if (reply.status() == ErrorCode.COMMAND_UNKNOWN.code()) {
      port = -1;
    } else {
      rest();
      return 0;
    }
    leaderPort = port;
    return port;
  }

  private static Wire.In in(ByteBuffer b) {
    return new Wire.In(b);
  }

  private static RpcException malformed(String what) {
    return new RpcException(ErrorCode.BADPARAM.code(), what + ": malformed reply");
  }

  private static String checked(String path) throws RpcException {
    try {
      DirectoryState.names(path, true);
      return path;
    } catch (CapabilityException e) {
      throw new RpcException(e.code().code(), "path '" + path + "': " + e.getMessage());
    }
  }

  // ---- commands relative to a directory capability ---------------------------------------------

  public CapabilitySet lookup(Capability dir, String path) throws RpcException {
    ByteBuffer b = call(dir, DirectoryCommand.LOOKUP.code(), "lookup " + path, new Wire.Out().str(checked(path)));
    try {
      return DirectoryState.capset(in(b), false);
    } catch (Wire.Malformed | CapabilityException e) {
      throw malformed("lookup " + path);
    }
  }

  public Listing list(Capability dir, String path) throws RpcException {
    ByteBuffer b = call(dir, DirectoryCommand.LIST.code(), "list " + path, new Wire.Out().str(checked(path)));
    try {
      Wire.In in = in(b);
      int ncols = in.u8();
      List<String> columns = new ArrayList<>();
      for (int i = 0; i < ncols; i++) {
        columns.add(in.str());
      }
      int n = in.i32();
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = in.str();
        int k = in.u8();
        List<Capability> caps = new ArrayList<>();
        for (int j = 0; j < k; j++) {
          caps.add(Capability.fromBytes(in.bytes(Capability.SIZE)));
        }
        int[] masks = new int[ncols];
        for (int c = 0; c < ncols; c++) {
          masks[c] = in.u8();
        }
        rows.add(new Row(name, caps, masks));
      }
      return new Listing(columns, rows);
    } catch (Wire.Malformed | IllegalArgumentException e) {
      throw malformed("list " + path);
    }
  }

  public void append(Capability dir, String path, CapabilitySet set, int... masks) throws RpcException {
    Wire.Out out = DirectoryState.capset(new Wire.Out().str(checked(path)), set);
    call(dir, DirectoryCommand.APPEND.code(), "append " + path, masks(out, masks));
  }

  public void replace(Capability dir, String path, CapabilitySet set) throws RpcException {
    call(dir, DirectoryCommand.REPLACE.code(), "replace " + path,
        DirectoryState.capset(new Wire.Out().str(checked(path)), set));
  }

  public void delete(Capability dir, String path) throws RpcException {
    call(dir, DirectoryCommand.DELETE.code(), "delete " + path, new Wire.Out().str(checked(path)));
  }

  public void chmod(Capability dir, String path, int... masks) throws RpcException {
    call(dir, DirectoryCommand.CHMOD.code(), "chmod " + path, masks(new Wire.Out().str(checked(path)), masks));
  }

  public int[] getmasks(Capability dir, String path) throws RpcException {
    ByteBuffer b = call(dir, DirectoryCommand.GETMASKS.code(), "getmasks " + path, new Wire.Out().str(checked(path)));
    try {
      Wire.In in = in(b);
      int[] m = new int[in.u8()];
      for (int i = 0; i < m.length; i++) {
        m[i] = in.u8();
      }
      return m;
    } catch (Wire.Malformed e) {
      throw malformed("getmasks " + path);
    }
  }

  public long seqno(Capability dir, String path) throws RpcException {
    ByteBuffer b = call(dir, DirectoryCommand.SEQNO.code(), "seqno " + path, new Wire.Out().str(checked(path)));
    try {
      return in(b).i64();
    } catch (Wire.Malformed e) {
      throw malformed("seqno " + path);
    }
  }

  /** Creates a directory at {@code path} with the given columns; its owner capability. */
  public Capability create(Capability dir, String path, List<String> columns, int... masks) throws RpcException {
    Wire.Out out = new Wire.Out().str(checked(path)).u8(columns.size());
    columns.forEach(out::str);
    ByteBuffer b = call(dir, DirectoryCommand.CREATE.code(), "create " + path, masks(out, masks));
    if (b.remaining() != Capability.SIZE) {
      throw malformed("create " + path);
    }
    return Capability.read(b, 0);
  }

  /**
   * Atomic multi-row update: every compare holds and every item applies, or nothing does.
   * EXISTS (with the failing item's index in the message) when a compare fails.
   */
  public void install(Capability dir, List<InstallItem> items) throws RpcException {
    Wire.Out out = new Wire.Out().u8(items.size());
    for (InstallItem item : items) {
      out.str(checked(item.path())).u8((item.compare() ? 1 : 0) | (item.replacement() == null ? 2 : 0));
      if (item.compare()) {
        DirectoryState.capset(out, item.expected());
      }
      if (item.replacement() != null) {
        DirectoryState.capset(out, item.replacement());
      }
    }
    call(dir, DirectoryCommand.INSTALL.code(), "install", out);
  }

  /** STD_DESTROY of an empty directory (right 0x80). */
  public void destroy(Capability dir) throws RpcException {
    call(dir, amoeba.capabilities.StdCommand.STD_DESTROY.code(), "destroy", null);
  }

  /** STD_REVOKE (owner): the directory's new owner capability. */
  public Capability revoke(Capability owner) throws RpcException {
    return Capability.read(call(owner, amoeba.capabilities.StdCommand.STD_REVOKE.code(), "revoke", null), 0);
  }

  private static Wire.Out masks(Wire.Out out, int[] masks) {
    out.u8(masks.length);
    for (int m : masks) {
      out.u8(m);
    }
    return out;
  }

  // ---- the Namespace: absolute paths from the root -------------------------------------------

  @Override
  public CapabilitySet lookup(String path) throws RpcException {
    return lookup(root, path);
  }

  @Override
  public List<Entry> list(String path) throws RpcException {
    List<Entry> out = new ArrayList<>();
    for (Row r : list(root, path).rows()) {
      if (!r.capabilities().isEmpty()) {
        out.add(new Entry(r.name(), new CapabilitySet(r.capabilities())));
      }
    }
    return out;
  }

  @Override
  public void enter(String path, CapabilitySet set) throws RpcException {
    append(root, path, set);
  }

  @Override
  public void replace(String path, CapabilitySet set) throws RpcException {
    replace(root, path, set);
  }

  @Override
  public void remove(String path) throws RpcException {
    delete(root, path);
  }

  @Override
  public CapabilitySet mkdir(String path) throws RpcException {
    return CapabilitySet.of(create(root, path, DirectoryState.DEFAULT_COLUMNS));
  }
}
