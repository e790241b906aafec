package amoeba.kernel.process;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityFormatException;
import amoeba.capabilities.CapabilityText;
import amoeba.ipc.rpc.Rpc;
import amoeba.kernel.api.Program;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Finds a program by its source and instantiates it. A source is one of:
 *
 * <pre>
 * builtin:NAME   a system program on the board's own class path (a server: bullet, dir, ...)
 * cap:HEX[,cap:HEX...]  a jar in a file server (its replicas), fetched through the board's
 *                {@link ProgramStore} and cached here (files are immutable: the text is the key)
 * /abs/path.jar  a jar on the board's file system
 * </pre>
 *
 * A jar is loaded into a class loader of its own; its entry class is the manifest attribute
 * {@value #ENTRY_ATTRIBUTE}, else Main-Class, which must implement {@link Program} and have a
 * public no-argument constructor.
 */
public final class ProgramLoader {
  public static final String ENTRY_ATTRIBUTE = "Amoeba-Program";
  public static final String BUILTIN = "builtin:";
  /** Largest program jar fetched from a store (64 MiB). */
  public static final int MAX_JAR_BYTES = 64 << 20;
  /** Bytes of fetched jars kept per board (32 MiB). */
  public static final long CACHE_BYTES = 32L << 20;

  /**
   * A loaded program: the instance to run and the loader its classes live in (null for a
   * builtin, which lives in the board's own); {@code system} for builtins, which get the board's
   * storage and pool authority.
   */
  public record Loaded(String name, Program program, JarClassLoader loader, boolean system) {}

  private final ClassLoader parent;
  private final Map<String, Supplier<? extends Program>> builtins;
  private final ProgramStore store;
  private final Rpc rpc;
  /** Fetched jars by capability text, least recently used first; guarded by itself. */
  private final LinkedHashMap<String, byte[]> cache = new LinkedHashMap<>(16, 0.75f, true);
  private long cachedBytes;

  /** @param parent the kernel's class loader: the Program API classes are shared through it */
  public ProgramLoader(ClassLoader parent) {
    this(parent, Map.of(), ProgramStore.NONE, null);
  }

  /** @param rpc what the store reads files through */
  public ProgramLoader(ClassLoader parent, Map<String, Supplier<? extends Program>> builtins,
      ProgramStore store, Rpc rpc) {
    this.parent = parent;
    this.rpc = rpc;
    this.builtins = Map.copyOf(builtins);
    this.store = store;
  }

  /** Names of the builtin programs, sorted. */
  public List<String> builtinNames() {
    return builtins.keySet().stream().sorted().toList();
  }

  /** Loads a program from any source (see the class comment). */
  public Loaded load(String source) throws ProgramException {
    if (source.startsWith(BUILTIN)) {
      String name = source.substring(BUILTIN.length());
      Supplier<? extends Program> s = builtins.get(name);
      if (s == null) {
        throw new ProgramException("no builtin program " + name + " on this board (it has " + builtinNames() + ")");
      }
      return new Loaded(name, s.get(), null, true);
    }
    if (source.startsWith(CapabilityText.PREFIX)) {
      List<Capability> replicas;
      try {
        replicas = CapabilityText.parseList(source);
      } catch (CapabilityFormatException e) {
        throw new ProgramException("not a capability: " + e.getMessage());
      }
      return load("program-" + Long.toHexString(replicas.get(0).object()), fetch(source, replicas));
    }
    Path path = Path.of(source);
    if (!path.isAbsolute()) {
      throw new ProgramException("a jar path must be absolute: " + source);
    }
    return load(path);
  }

  private byte[] fetch(String key, List<Capability> replicas) throws ProgramException {
    synchronized (cache) {
      byte[] hit = cache.get(key);
      if (hit != null) {
        return hit;
      }
    }
    byte[] jar;
    try {
      jar = store.read(rpc, replicas, MAX_JAR_BYTES);
    } catch (IOException e) {
      throw new ProgramException("cannot fetch the program " + key + ": " + e.getMessage());
    }
    synchronized (cache) {
      if (cache.put(key, jar) == null) {
        cachedBytes += jar.length;
      }
      var it = cache.values().iterator();
      while (cachedBytes > CACHE_BYTES && it.hasNext()) {
        cachedBytes -= it.next().length;
        it.remove();
      }
    }
    return jar;
  }

  /** Jars fetched from the store and still cached (for tests and status). */
  public int cachedPrograms() {
    synchronized (cache) {
      return cache.size();
    }
  }

  /** Loads a jar from a local file (until the Bullet server exists). */
  public Loaded load(Path jar) throws ProgramException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(jar);
    } catch (IOException e) {
      throw new ProgramException("cannot read " + jar + ": " + e.getMessage());
    }
    String file = jar.getFileName().toString();
    return load(file.endsWith(".jar") ? file.substring(0, file.length() - 4) : file, bytes);
  }

  /** Loads a jar given as bytes (e.g. read from a Bullet file). */
  public Loaded load(String name, byte[] jar) throws ProgramException {
    JarClassLoader loader;
    try {
      loader = JarClassLoader.of("program-" + name, jar, parent);
    } catch (IOException e) {
      throw new ProgramException(name + " is not a readable jar: " + e.getMessage());
    }
    String entry = loader.mainAttribute(ENTRY_ATTRIBUTE);
    if (entry == null) {
      entry = loader.mainAttribute("Main-Class");
    }
    if (entry == null) {
      throw new ProgramException(name + ": the manifest names no " + ENTRY_ATTRIBUTE + " (nor Main-Class)");
    }
    Class<?> c;
    try {
      c = Class.forName(entry.trim(), true, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ProgramException(name + ": cannot load entry class " + entry + ": " + e);
    }
    if (!Program.class.isAssignableFrom(c)) {
      throw new ProgramException(name + ": " + entry + " does not implement " + Program.class.getName());
    }
    try {
      Program p = (Program) c.getConstructor().newInstance();
      return new Loaded(name, p, loader, false);
    } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
      throw new ProgramException(name + ": " + entry + " needs a public no-argument constructor");
    } catch (InvocationTargetException e) {
      throw new ProgramException(name + ": constructor of " + entry + " threw " + e.getCause());
    }
  }

  /** A program that cannot be loaded; the message is for the user. */
  public static final class ProgramException extends Exception {
    private static final long serialVersionUID = 1L;

    public ProgramException(String message) {
      super(message);
    }
  }
}
