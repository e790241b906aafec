package amoeba.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Packs test program classes into jars, as the examples module does at build time. */
final class TestJars {
  private TestJars() {}

  static Path jar(Path dir, String name, Class<?> entry) throws IOException {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(new Attributes.Name("Amoeba-Program"), entry.getName());
    Path jar = dir.resolve(name + ".jar");
    try (OutputStream f = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(f, m)) {
      String path = entry.getName().replace('.', '/') + ".class";
      out.putNextEntry(new JarEntry(path));
      try (InputStream in = entry.getClassLoader().getResourceAsStream(path)) {
        in.transferTo(out);
      }
      out.closeEntry();
    }
    return jar;
  }
}
