package amoeba.tools;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Pool profiles, like kubeconfig contexts: {@code ~/.amoeba/pools/NAME/profile.properties} holds
 * how to reach a pool (transport settings and the pool key, which is the pool's root authority:
 * the file is readable by its owner only), and {@code ~/.amoeba/current} names the one every
 * command uses. A profile's entries are the default values of the options of the same long name
 * (without dashes: {@code group-port=7700}); options given on the command line win.
 * {@code AMOEBA_HOME} (or the system property {@code amoeba.home}) moves {@code ~/.amoeba}.
 */
final class PoolProfile implements CommandLine.IDefaultValueProvider {
  private final Properties values;

  private PoolProfile(Properties values) {
    this.values = values;
  }

  static Path home() {
    String dir = System.getProperty("amoeba.home", System.getenv("AMOEBA_HOME"));
    return dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".amoeba");
  }

  /** The current profile, or an empty one when there is none (every option keeps its default). */
  static PoolProfile current() {
    Properties p = new Properties();
    try {
      Path current = home().resolve("current");
      if (Files.isRegularFile(current)) {
        Path file = home().resolve("pools").resolve(Files.readString(current).trim())
            .resolve("profile.properties");
        if (Files.isRegularFile(file)) {
          try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
          }
        }
      }
    } catch (IOException e) {
      throw new CliFailure("cannot read the pool profile under " + home() + ": " + e.getMessage());
    }
    return new PoolProfile(p);
  }

  /** Writes profile {@code name} and makes it current; returns its folder. */
  static Path write(String name, Properties values) throws IOException {
    Path dir = home().resolve("pools").resolve(name);
    Files.createDirectories(dir);
    Path file = dir.resolve("profile.properties");
    Files.deleteIfExists(file);
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer w = Files.newBufferedWriter(file)) {
      values.store(w, "amoeba pool profile '" + name + "': option defaults; pool-key-hex is the pool's root authority");
    }
    Files.writeString(home().resolve("current"), name + "\n");
    return dir;
  }

  /** An entry of the profile that is no option's default (e.g. {@link #BOARD_NAMES}), or null. */
  String get(String key) {
    return values.getProperty(key);
  }

  /**
   * The profile entry listing the pool's boards, comma-separated ({@code b1,b2,b3,b4}), for
   * commands that place things on boards (file put). Not "boards": that would become the
   * default of {@code emulate --boards}, a count.
   */
  static final String BOARD_NAMES = "board-names";

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec o) {
      return values.getProperty(o.longestName().replaceFirst("^--", ""));
    }
    return null;
  }
}
