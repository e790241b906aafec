package amoeba.servers.directory;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import amoeba.kernel.server.Wire;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated state machine: every directory with its secret, columns and rows. {@link
 * #apply} is deterministic (secrets come in the update, object numbers from a counter in the
 * state), so replicas applying the same updates in the same order hold the same state. Not
 * thread-safe: the server guards it with a read/write lock.
 *
 * <p>Initial state (index 0, the same on every replica): the root (object 0, secret from the
 * pool key) holding /bin, /home, /dev, /pool, /services (objects 1..5, secrets derived from the
 * get-port like the root's), so every replica starts from identical bytes.
 */
public final class DirectoryState {
  /** Rights bits of a directory capability: the columns, then modify and destroy. */
  public static final int COLUMNS_MASK = 0x0F;
  public static final int MODIFY = 0x40;
  public static final int DESTROY = 0x80;

  /** Limits; beyond them: BADPARAM (or NOSPACE for counts). */
  public static final int MAX_NAME_BYTES = 255;
  public static final int MAX_ROWS = 10_000;
  public static final int MAX_DEPTH = 32;
  public static final int MAX_COLUMNS = 4;
  public static final int MAX_DIRECTORIES = 1 << 16;
  public static final int MAX_INSTALL = 16;
  public static final List<String> LAYOUT = List.of("bin", "home", "dev", "pool", "services");
  public static final List<String> DEFAULT_COLUMNS = List.of("owner", "group", "other");

  private static final int SNAPSHOT_MAGIC = 0x414D4431; // "AMD1"

  /** A reply: status, data, and for STD_REVOKE the new owner capability. */
  public record Result(int status, byte[] data, Capability capability, boolean changed) {
    static Result ok(byte[] data, boolean changed) {
      return new Result(0, data, null, changed);
    }

    static Result error(CapabilityException e) {
      return new Result(e.code().code(), e.getMessage().getBytes(StandardCharsets.UTF_8), null, false);
    }
  }

  /** Keeps the server's object table in step with the directories and their secrets. */
  public interface Objects {
    void added(int object, long secret);

    void removed(int object, long secret);
  }

  private static final class Dir {
    long secret;
    long seq;
    final List<String> columns;
    final TreeMap<String, Row> rows = new TreeMap<>();

    Dir(long secret, List<String> columns) {
      this.secret = secret;
      this.columns = List.copyOf(columns);
    }
  }

  private record Row(CapabilitySet caps, int[] masks) {}

  /** The end of a walk: a directory and the rights the walk arrived with. */
  private record At(int object, Dir dir, int rights) {}

  private final Port putPort;
  private final CheckScheme scheme;
  private final TreeMap<Integer, Dir> dirs = new TreeMap<>();
  private Objects objects;
  private long index;
  private int nextObject;

  /** The initial state. */
  public DirectoryState(Port getPort, long rootSecret, CheckScheme scheme) {
    this.putPort = getPort.putPort();
    this.scheme = scheme;
    Dir root = new Dir(rootSecret, DEFAULT_COLUMNS);
    dirs.put(0, root);
    int object = 1;
    for (String name : LAYOUT) {
      long secret = scheme.bootstrapSecret(getPort, object);
      dirs.put(object, new Dir(secret, DEFAULT_COLUMNS));
      root.rows.put(name, new Row(CapabilitySet.of(CheckScheme.owner(putPort, object, secret)), allMasks(3)));
      object++;
    }
    nextObject = object;
  }

  private DirectoryState(Port putPort, CheckScheme scheme) {
    this.putPort = putPort;
    this.scheme = scheme;
  }

  /** Updates applied so far (state changes only; refused updates change nothing). */
  public long index() {
    return index;
  }

  public int directories() {
    return dirs.size();
  }

  /** Tells {@code objects} every directory now, and every change from now on. */
  public void attach(Objects listener) {
    this.objects = listener;
    dirs.forEach((o, d) -> listener.added(o, d.secret));
  }

  /** Tells the attached listener every directory is gone (before this state is replaced). */
  public void detach() {
    if (objects != null) {
      dirs.forEach((o, d) -> objects.removed(o, d.secret));
      objects = null;
    }
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** Runs a read command; never changes state. */
  public Result read(int command, Capability cap, ByteBuffer data) {
    try {
      Wire.In in = new Wire.In(data);
      if (command == DirectoryCommand.LOOKUP.code()) {
        List<String> path = names(in.str(), false);
        At at = walk(cap, path.subList(0, path.size() - 1));
        Row row = row(at, path.get(path.size() - 1));
        return Result.ok(capset(new Wire.Out(), restrict(row, at.rights)).toByteArray(), false);
      } else if (command == DirectoryCommand.LIST.code()) {
        At at = walk(cap, names(in.str(), true));
        columnsNeeded(at.rights);
        Wire.Out out = new Wire.Out().u8(at.dir.columns.size());
        at.dir.columns.forEach(out::str);
        out.i32(at.dir.rows.size());
        for (Map.Entry<String, Row> e : at.dir.rows.entrySet()) {
          out.str(e.getKey());
          List<Capability> caps = restrictOrEmpty(e.getValue(), at.rights);
          out.u8(caps.size());
          caps.forEach(c -> out.bytes(c.toBytes()));
          for (int m : e.getValue().masks) {
            out.u8(m);
          }
        }
        return Result.ok(out.toByteArray(), false);
      } else if (command == DirectoryCommand.GETMASKS.code()) {
        List<String> path = names(in.str(), false);
        At at = walk(cap, path.subList(0, path.size() - 1));
        columnsNeeded(at.rights);
        Row row = row(at, path.get(path.size() - 1));
        Wire.Out out = new Wire.Out().u8(row.masks.length);
        for (int m : row.masks) {
          out.u8(m);
        }
        return Result.ok(out.toByteArray(), false);
      } else if (command == DirectoryCommand.SEQNO.code()) {
        At at = walk(cap, names(in.str(), true));
        columnsNeeded(at.rights);
        return Result.ok(new Wire.Out().i64(at.dir.seq).toByteArray(), false);
      }
      return Result.error(new CapabilityException(ErrorCode.COMMAND_UNKNOWN, "not a read: " + command));
    } catch (Wire.Malformed e) {
      return Result.error(new CapabilityException(ErrorCode.BADPARAM, e.getMessage()));
    } catch (CapabilityException e) {
      return Result.error(e);
    }
  }

  /** STD_INFO text of a directory. */
  public String info(int object) {
    Dir d = dirs.get(object);
    return d == null ? "no directory " + object
        : "directory " + object + ": " + d.rows.size() + " rows, columns " + d.columns + ", seq " + d.seq;
  }

  // ---- updates ---------------------------------------------------------------------------------

  /**
   * Applies one update; deterministic. {@code secret} is what the proposing replica drew for a
   * new directory (CREATE) or a new owner secret (STD_REVOKE).
   */
  public Result apply(int command, Capability cap, long secret, ByteBuffer data) {
    try {
      Result r = applyChecked(command, cap, secret, new Wire.In(data));
      if (r.changed) {
        index++;
      }
      return r;
    } catch (Wire.Malformed e) {
      return Result.error(new CapabilityException(ErrorCode.BADPARAM, e.getMessage()));
    } catch (CapabilityException e) {
      return Result.error(e);
    }
  }

  private Result applyChecked(int command, Capability cap, long secret, Wire.In in)
      throws Wire.Malformed, CapabilityException {
    if (command == DirectoryCommand.CREATE.code()) {
      List<String> path = names(in.str(), false);
      int ncols = in.u8();
      if (ncols < 1 || ncols > MAX_COLUMNS) {
        throw bad("a directory has 1.." + MAX_COLUMNS + " columns: " + ncols);
      }
      List<String> columns = new ArrayList<>();
      for (int i = 0; i < ncols; i++) {
        columns.add(name(in.str()));
      }
      int[] masksIn = masks(in);
      At at = modifiable(cap, path);
      String name = path.get(path.size() - 1);
      int[] masks = rowMasks(at.dir, masksIn);
      if (at.dir.rows.containsKey(name)) {
        throw new CapabilityException(ErrorCode.EXISTS, "'" + name + "' exists");
      }
      roomFor(at.dir);
      if (dirs.size() >= MAX_DIRECTORIES) {
        throw new CapabilityException(ErrorCode.NOSPACE, "at most " + MAX_DIRECTORIES + " directories");
      }
      if (secret == 0 || (secret & ~CheckScheme.SECRET_MASK) != 0) {
        throw bad("no secret for the new directory");
      }
      int object = freeObject();
      dirs.put(object, new Dir(secret, columns));
      if (objects != null) {
        objects.added(object, secret);
      }
      Capability owner = CheckScheme.owner(putPort, object, secret);
      at.dir.rows.put(name, new Row(CapabilitySet.of(owner), masks));
      at.dir.seq++;
      return Result.ok(owner.toBytes(), true);
    } else if (command == DirectoryCommand.APPEND.code()) {
      List<String> path = names(in.str(), false);
      CapabilitySet set = capset(in, false);
      int[] masksIn = masks(in);
      At at = modifiable(cap, path);
      String name = path.get(path.size() - 1);
      if (at.dir.rows.containsKey(name)) {
        throw new CapabilityException(ErrorCode.EXISTS, "'" + name + "' exists");
      }
      roomFor(at.dir);
      at.dir.rows.put(name, new Row(set, rowMasks(at.dir, masksIn)));
      at.dir.seq++;
      return Result.ok(new byte[0], true);
    } else if (command == DirectoryCommand.REPLACE.code()) {
      List<String> path = names(in.str(), false);
      CapabilitySet set = capset(in, false);
      At at = modifiable(cap, path);
      Row old = row(at, path.get(path.size() - 1));
      at.dir.rows.put(path.get(path.size() - 1), new Row(set, old.masks));
      at.dir.seq++;
      return Result.ok(new byte[0], true);
    } else if (command == DirectoryCommand.DELETE.code()) {
      List<String> path = names(in.str(), false);
      At at = modifiable(cap, path);
      row(at, path.get(path.size() - 1));
      at.dir.rows.remove(path.get(path.size() - 1));
      at.dir.seq++;
      return Result.ok(new byte[0], true);
    } else if (command == DirectoryCommand.CHMOD.code()) {
      List<String> path = names(in.str(), false);
      int[] masksIn = masks(in);
      At at = modifiable(cap, path);
      Row old = row(at, path.get(path.size() - 1));
      int[] masks = old.masks.clone();
      System.arraycopy(masksIn, 0, masks, 0, Math.min(masksIn.length, masks.length));
      if (masksIn.length > masks.length) {
        throw bad("the directory has " + masks.length + " columns, got " + masksIn.length + " masks");
      }
      at.dir.rows.put(path.get(path.size() - 1), new Row(old.caps, masks));
      at.dir.seq++;
      return Result.ok(new byte[0], true);
    } else if (command == DirectoryCommand.INSTALL.code()) {
      return install(cap, in);
    } else if (command == StdCommand.STD_DESTROY.code()) {
      At at = walk(cap, List.of());
      if (!Rights.contains(at.rights, DESTROY)) {
        throw new CapabilityException(ErrorCode.DENIED, "destroying a directory needs right 0x80");
      }
      if (at.object == 0) {
        throw new CapabilityException(ErrorCode.DENIED, "the root directory is never destroyed");
      }
      if (!at.dir.rows.isEmpty()) {
        throw bad("the directory is not empty (" + at.dir.rows.size() + " rows)");
      }
      dirs.remove(at.object);
      if (objects != null) {
        objects.removed(at.object, at.dir.secret);
      }
      return Result.ok(new byte[0], true);
    } else if (command == StdCommand.STD_REVOKE.code()) {
      At at = walk(cap, List.of());
      if (!cap.isOwner()) {
        throw new CapabilityException(ErrorCode.DENIED, "only the owner capability can revoke");
      }
      if (at.object == 0) {
        throw new CapabilityException(ErrorCode.DENIED, "the root's capability derives from the pool key");
      }
      if (secret == 0 || (secret & ~CheckScheme.SECRET_MASK) != 0) {
        throw bad("no new secret");
      }
      if (objects != null) {
        objects.removed(at.object, at.dir.secret);
      }
      at.dir.secret = secret;
      if (objects != null) {
        objects.added(at.object, secret);
      }
      Capability owner = CheckScheme.owner(putPort, at.object, secret);
      return new Result(0, owner.toBytes(), owner, true);
    }
    throw new CapabilityException(ErrorCode.COMMAND_UNKNOWN, "not an update: " + command);
  }

  private record Item(List<String> path, boolean compare, CapabilitySet expected, CapabilitySet replacement) {}

  private Result install(Capability cap, Wire.In in) throws Wire.Malformed, CapabilityException {
    int n = in.u8();
    if (n < 1 || n > MAX_INSTALL) {
      throw bad("an install has 1.." + MAX_INSTALL + " items: " + n);
    }
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> path = names(in.str(), false);
      int flags = in.u8();
      if ((flags & ~3) != 0) {
        throw bad("install flags are 1 (compare) and 2 (delete): " + flags);
      }
      CapabilitySet expected = (flags & 1) != 0 ? capset(in, true) : null;
      CapabilitySet replacement = (flags & 2) != 0 ? null : capset(in, false);
      items.add(new Item(path, (flags & 1) != 0, expected, replacement));
    }
    // Check everything, then act: every walk, right and compare first.
    List<At> targets = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Item item = items.get(i);
      At at = modifiable(cap, item.path);
      Row row = at.dir.rows.get(item.path.get(item.path.size() - 1));
      if (item.compare && !java.util.Objects.equals(row == null ? null : row.caps, item.expected)) {
        return new Result(ErrorCode.EXISTS.code(), new byte[] {(byte) i}, null, false);
      }
      if (row == null && item.replacement == null) {
        throw new CapabilityException(ErrorCode.NO_SUCH_OBJECT, "no row " + String.join("/", item.path));
      }
      if (row == null) {
        roomFor(at.dir);
      }
      targets.add(at);
    }
    for (int i = 0; i < n; i++) {
      Item item = items.get(i);
      Dir dir = targets.get(i).dir;
      String name = item.path.get(item.path.size() - 1);
      Row old = dir.rows.get(name);
      if (item.replacement == null) {
        dir.rows.remove(name);
      } else {
        dir.rows.put(name, new Row(item.replacement, old == null ? allMasks(dir.columns.size()) : old.masks));
      }
      dir.seq++;
    }
    return Result.ok(new byte[0], true);
  }

  // ---- walking and rights -------------------------------------------------------------------

  /** The directory {@code cap} names, checked like an object table does. */
  private At directory(Capability cap) throws CapabilityException {
    if (!cap.port().equals(putPort)) {
      throw new CapabilityException(ErrorCode.CAPBAD, "the capability is for another server");
    }
    Dir d = dirs.get(cap.object());
    if (d == null) {
      throw new CapabilityException(ErrorCode.NO_SUCH_OBJECT, "no directory " + cap.object());
    }
    if (!scheme.validate(cap, d.secret)) {
      throw new CapabilityException(ErrorCode.CAPBAD);
    }
    return new At(cap.object(), d, cap.rights());
  }

  /** Walks {@code names} from {@code cap}'s directory through rows naming our directories. */
  private At walk(Capability cap, List<String> names) throws CapabilityException {
    At at = directory(cap);
    for (String name : names) {
      Row row = row(at, name);
      Capability next = row.caps.first();
      if (!next.port().equals(putPort) || !dirs.containsKey(next.object())) {
        throw bad("'" + name + "' is not a directory of this server");
      }
      At sub = directory(next);
      // The masks choose the columns below; MODIFY and DESTROY never grow along a path (ours:
      // SOAP let the masks grant them anew, so a read-only root would have written below it).
      at = new At(sub.object, sub.dir, next.rights() & rowRights(row, at.rights) & (at.rights | COLUMNS_MASK));
    }
    return at;
  }

  private At modifiable(Capability cap, List<String> path) throws CapabilityException {
    At at = walk(cap, path.subList(0, path.size() - 1));
    if (!Rights.contains(at.rights, MODIFY)) {
      throw new CapabilityException(ErrorCode.DENIED, "changing a directory needs right 0x40");
    }
    return at;
  }

  private static Row row(At at, String name) throws CapabilityException {
    Row row = at.dir.rows.get(name);
    // Reading a row needs a column; otherwise even its existence is hidden behind DENIED.
    columnsNeeded(at.rights);
    if (row == null) {
      throw new CapabilityException(ErrorCode.NO_SUCH_OBJECT, "no entry '" + name + "'");
    }
    return row;
  }

  private static void columnsNeeded(int rights) throws CapabilityException {
    if ((rights & COLUMNS_MASK) == 0) {
      throw new CapabilityException(ErrorCode.DENIED, "the capability selects no column");
    }
  }

  /** The rights a holder of {@code rights} gets through {@code row}: its masks of the held columns. */
  private static int rowRights(Row row, int rights) throws CapabilityException {
    columnsNeeded(rights);
    int m = 0;
    for (int c = 0; c < row.masks.length; c++) {
      if ((rights & (1 << c)) != 0) {
        m |= row.masks[c];
      }
    }
    return m;
  }

  /**
   * The row's capabilities with at most the rights the mask grants. An owner capability (or one
   * of our directories) is restricted here; another server's restricted capability cannot be
   * restricted further without that server, so it is left out when the mask would cut it.
   */
  private List<Capability> restrictOrEmpty(Row row, int rights) throws CapabilityException {
    int m = rowRights(row, rights);
    List<Capability> out = new ArrayList<>();
    if (m == 0) {
      return out; // a zero mask hides the row's capabilities from these columns
    }
    for (Capability c : row.caps.capabilities()) {
      int want = c.rights() & m;
      if (want == c.rights()) {
        out.add(c);
      } else if (c.isOwner()) {
        out.add(new Capability(c.port(), c.object(), want, scheme.check(c.check(), want)));
      } else if (c.port().equals(putPort) && dirs.containsKey(c.object())
          && scheme.validate(c, dirs.get(c.object()).secret)) {
        out.add(new Capability(c.port(), c.object(), want, scheme.check(dirs.get(c.object()).secret, want)));
      }
    }
    return out;
  }

  private CapabilitySet restrict(Row row, int rights) throws CapabilityException {
    List<Capability> caps = restrictOrEmpty(row, rights);
    if (caps.isEmpty()) {
      throw new CapabilityException(ErrorCode.DENIED, "the row's masks grant none of its capabilities");
    }
    return new CapabilitySet(caps);
  }

  private static int[] rowMasks(Dir dir, int[] given) throws CapabilityException {
    if (given.length > dir.columns.size()) {
      throw bad("the directory has " + dir.columns.size() + " columns, got " + given.length + " masks");
    }
    int[] masks = allMasks(dir.columns.size());
    System.arraycopy(given, 0, masks, 0, given.length);
    return masks;
  }

  private static int[] allMasks(int n) {
    int[] m = new int[n];
    Arrays.fill(m, Rights.ALL);
    return m;
  }

  private static void roomFor(Dir dir) throws CapabilityException {
    if (dir.rows.size() >= MAX_ROWS) {
      throw new CapabilityException(ErrorCode.NOSPACE, "a directory holds at most " + MAX_ROWS + " rows");
    }
  }

  private int freeObject() {
    while (dirs.containsKey(nextObject) || nextObject > Capability.MAX_OBJECT) {
      nextObject = nextObject > Capability.MAX_OBJECT ? 1 : nextObject + 1;
    }
    return nextObject++;
  }

  // ---- names and encodings ----------------------------------------------------------------------

  /**
   * A relative path's names: '/'-separated, no empty component, each a valid name, at most
   * {@value #MAX_DEPTH}. One leading '/' is allowed (paths from the root).
   */
  public static List<String> names(String path, boolean emptyAllowed) throws CapabilityException {
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (p.isEmpty()) {
      if (emptyAllowed) {
        return List.of();
      }
      throw bad("the path names no entry");
    }
    String[] parts = p.split("/", -1);
    if (parts.length > MAX_DEPTH) {
      throw bad("a path has at most " + MAX_DEPTH + " components: " + parts.length);
    }
    List<String> names = new ArrayList<>(parts.length);
    for (String part : parts) {
      names.add(name(part));
    }
    return names;
  }

  /** A valid row name: 1..255 bytes of UTF-8, no '/', no NUL, not "." or "..". */
  public static String name(String s) throws CapabilityException {
    if (s.isEmpty()) {
      throw bad("empty path component");
    }
    if (s.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      throw bad("a name is at most " + MAX_NAME_BYTES + " bytes: '" + s.substring(0, 20) + "...'");
    }
    if (s.indexOf('/') >= 0 || s.indexOf('\0') >= 0 || s.equals(".") || s.equals("..")) {
      throw bad("bad name '" + s + "'");
    }
    return s;
  }

  private static int[] masks(Wire.In in) throws Wire.Malformed, CapabilityException {
    int n = in.u8();
    if (n > MAX_COLUMNS) {
      throw bad("at most " + MAX_COLUMNS + " masks: " + n);
    }
    int[] m = new int[n];
    for (int i = 0; i < n; i++) {
      m[i] = in.u8();
    }
    return m;
  }

  /** Reads a capset; with {@code absentAllowed}, n = 0 reads as null. */
  static CapabilitySet capset(Wire.In in, boolean absentAllowed) throws Wire.Malformed, CapabilityException {
    int n = in.u8();
    if (n == 0 && absentAllowed) {
      return null;
    }
    if (n < 1 || n > CapabilitySet.MAX) {
      throw bad("a capability set holds 1.." + CapabilitySet.MAX + " capabilities: " + n);
    }
    List<Capability> caps = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      try {
        caps.add(Capability.fromBytes(in.bytes(Capability.SIZE)));
      } catch (IllegalArgumentException e) {
        throw bad("bad capability: " + e.getMessage());
      }
    }
    return new CapabilitySet(caps);
  }

  static Wire.Out capset(Wire.Out out, CapabilitySet set) {
    if (set == null) {
      return out.u8(0);
    }
    out.u8(set.capabilities().size());
    set.capabilities().forEach(c -> out.bytes(c.toBytes()));
    return out;
  }

  private static CapabilityException bad(String why) {
    return new CapabilityException(ErrorCode.BADPARAM, why);
  }

  // ---- snapshots ---------------------------------------------------------------------------

  /** The whole state as bytes (snapshot and state transfer). */
  public byte[] snapshot() {
    Wire.Out out = new Wire.Out().i32(SNAPSHOT_MAGIC).i64(index).i32(nextObject).i32(dirs.size());
    for (Map.Entry<Integer, Dir> e : dirs.entrySet()) {
      Dir d = e.getValue();
      out.i32(e.getKey()).i64(d.secret).i64(d.seq).u8(d.columns.size());
      d.columns.forEach(out::str);
      out.i32(d.rows.size());
      for (Map.Entry<String, Row> r : d.rows.entrySet()) {
        out.str(r.getKey());
        capset(out, r.getValue().caps);
        for (int m : r.getValue().masks) {
          out.u8(m);
        }
      }
    }
    return out.toByteArray();
  }

  /** A state from {@link #snapshot} bytes. */
  public static DirectoryState fromSnapshot(Port putPort, CheckScheme scheme, byte[] bytes)
      throws Wire.Malformed, CapabilityException {
    Wire.In in = new Wire.In(ByteBuffer.wrap(bytes));
    if (in.i32() != SNAPSHOT_MAGIC) {
      throw new Wire.Malformed("not a directory snapshot");
    }
    DirectoryState s = new DirectoryState(putPort, scheme);
    s.index = in.i64();
    s.nextObject = in.i32();
    int n = in.i32();
    if (n < 1 || n > MAX_DIRECTORIES) {
      throw new Wire.Malformed("bad directory count " + n);
    }
    for (int i = 0; i < n; i++) {
      int object = in.i32();
      long secret = in.i64();
      long seq = in.i64();
      int ncols = in.u8();
      List<String> columns = new ArrayList<>();
      for (int c = 0; c < ncols; c++) {
        columns.add(in.str());
      }
      Dir d = new Dir(secret, columns);
      d.seq = seq;
      int rows = in.i32();
      if (rows < 0 || rows > MAX_ROWS) {
        throw new Wire.Malformed("bad row count " + rows);
      }
      for (int r = 0; r < rows; r++) {
        String name = in.str();
        CapabilitySet set = capset(in, false);
        int[] masks = new int[ncols];
        for (int c = 0; c < ncols; c++) {
          masks[c] = in.u8();
        }
        d.rows.put(name, new Row(set, masks));
      }
      s.dirs.put(object, d);
    }
    return s;
  }
}
