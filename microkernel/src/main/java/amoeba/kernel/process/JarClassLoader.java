package amoeba.kernel.process;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

/**
 * A program's class loader over the bytes of its jar, held in memory: the jar may come from a
 * local file now and from a Bullet file (a capability, no path) later, and no {@code java.net}
 * URL is involved (the layering rule keeps sockets and URLs in flip-transport).
 *
 * <p>Delegation: the shared platform, {@code java.*}, {@code javax.*} and the layers a program
 * compiles against ({@code amoeba.kernel.api}, {@code amoeba.ipc}, {@code amoeba.capabilities},
 * {@code amoeba.flip}), comes from the parent (the kernel's loader), so a program's Program is
 * the kernel's Program. Every other class the jar holds is defined here first (child first), so
 * two programs with the same class names never see each other's classes.
 */
public final class JarClassLoader extends ClassLoader {
  private static final String[] SHARED = {
    "java.", "javax.", "jdk.", "sun.", "amoeba.kernel.api.", "amoeba.ipc.", "amoeba.capabilities.",
    "amoeba.flip.", "org.tinylog."
  };

  private final Map<String, byte[]> entries;
  private final Manifest manifest;

  private JarClassLoader(String name, Map<String, byte[]> entries, Manifest manifest, ClassLoader parent) {
    super(name, parent);
    this.entries = entries;
    this.manifest = manifest;
  }

  /** Reads the whole jar. @throws IOException if it is not a readable jar */
  public static JarClassLoader of(String name, byte[] jar, ClassLoader parent) throws IOException {
    Map<String, byte[]> entries = new HashMap<>();
    Manifest manifest;
    try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
      manifest = in.getManifest();
      for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
        if (!e.isDirectory()) {
          entries.put(e.getName(), in.readAllBytes());
        }
      }
    }
    if (manifest == null && entries.isEmpty()) {
      throw new IOException("not a jar (no manifest, no entries)");
    }
    return new JarClassLoader(name, Map.copyOf(entries), manifest, parent);
  }

  /** A main attribute of the jar's manifest, or null. */
  public String mainAttribute(String attribute) {
    if (manifest == null) {
      return null;
    }
    return manifest.getMainAttributes().getValue(new Attributes.Name(attribute));
  }

  private static boolean shared(String className) {
    for (String prefix : SHARED) {
      if (className.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected Class<?> loadClass(String className, boolean resolve) throws ClassNotFoundException {
    synchronized (getClassLoadingLock(className)) {
      Class<?> c = findLoadedClass(className);
      if (c == null) {
        String entry = className.replace('.', '/') + ".class";
        if (!shared(className) && entries.containsKey(entry)) {
          c = findClass(className);
        } else {
          c = getParent().loadClass(className);
        }
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  @Override
  protected Class<?> findClass(String className) throws ClassNotFoundException {
    byte[] bytes = entries.get(className.replace('.', '/') + ".class");
    if (bytes == null) {
      throw new ClassNotFoundException(className);
    }
    return defineClass(className, bytes, 0, bytes.length);
  }

  /** The jar's resources; URLs (getResource) are not offered. */
  @Override
  public InputStream getResourceAsStream(String name) {
    byte[] bytes = entries.get(name);
    return bytes != null ? new ByteArrayInputStream(bytes) : getParent().getResourceAsStream(name);
  }
}
