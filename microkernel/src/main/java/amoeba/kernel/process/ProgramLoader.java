package amoeba.kernel.process;

import amoeba.kernel.api.Program;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a program jar into a class loader of its own and instantiates its entry class: the
 * manifest attribute {@value #ENTRY_ATTRIBUTE}, else Main-Class, which must implement {@link
 * Program} and have a public no-argument constructor.
 */
public final class ProgramLoader {
  public static final String ENTRY_ATTRIBUTE = "Amoeba-Program";

  /** A loaded program: the instance to run and the loader its classes live in. */
  public record Loaded(String name, Program program, JarClassLoader loader) {}

  private final ClassLoader parent;

  /** @param parent the kernel's class loader: the Program API classes are shared through it */
  public ProgramLoader(ClassLoader parent) {
    this.parent = parent;
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
      return new Loaded(name, p, loader);
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
