package amoeba.tools;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Pool profiles, like kubeconfig contexts: {@code ~/.amoeba/pools/NAME/profile.properties} holds
 * how to reach a pool (transport settings and the pool key, which is the pool's root authority:
 * the file is readable by its owner only), and {@code ~/.amoeba/current} names the one every
 * command uses. A profile's entries are the default values of the options of the same long name
 * (without dashes: {@code group-port=7700}); options given on the command line win.
 * {@code AMOEBA_HOME} (or the system property {@code amoeba.home}) moves {@code ~/.amoeba};
 * {@code AMOEBA_POOL} (or {@code amoeba.pool}) names the profile for one command instead of
 * {@code current}, and {@value #NONE} means no profile at all.
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
    String name = currentName();
    return new PoolProfile(name == null ? new Properties() : read(name));
  }

  /** The value of {@code AMOEBA_POOL} that turns profiles off (every option keeps its default). */
  static final String NONE = "none";

  /** The name of the current profile, or null. */
  static String currentName() {
    String chosen = System.getProperty("amoeba.pool", System.getenv("AMOEBA_POOL"));
    if (chosen != null && !chosen.isBlank()) {
      return chosen.equals(NONE) ? null : chosen.trim();
    }
    Path current = home().resolve("current");
    try {
      return Files.isRegularFile(current) ? Files.readString(current).trim() : null;
    } catch (IOException e) {
      throw new CliFailure("cannot read " + current + ": " + e.getMessage());
    }
  }

  /** Profile {@code name}'s values; empty if it has none. */
  static Properties read(String name) {
    Properties p = new Properties();
    Path file = home().resolve("pools").resolve(name).resolve("profile.properties");
    if (Files.isRegularFile(file)) {
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      } catch (IOException e) {
        throw new CliFailure("cannot read the pool profile " + file + ": " + e.getMessage());
      }
    }
    return p;
  }

  /** Names of the profiles, sorted. */
  static List<String> names() {
    Path pools = home().resolve("pools");
    if (!Files.isDirectory(pools)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(pools)) {
      return s.filter(d -> Files.isRegularFile(d.resolve("profile.properties")))
          .map(d -> d.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new CliFailure("cannot list " + pools + ": " + e.getMessage());
    }
  }

  /** Makes profile {@code name} the current one. */
  static void use(String name) throws IOException {
    Files.createDirectories(home());
    Files.writeString(home().resolve("current"), name + "\n");
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
    use(name);
    return dir;
  }

  /**
   * Commands that make pools rather than use one, and the benchmarks (which start their own):
   * the current profile is not their default, nor of their subcommands.
   */
  private static final java.util.Set<String> SELF_CONTAINED = java.util.Set.of("emulate", "flash", "bench");

  /** An entry of the profile that is no option's default (e.g. {@link #BOARD_NAMES}), or null. */
  String get(String key) {
    return values.getProperty(key);
  }

  /**
   * The profile entry listing the pool's boards, comma-separated ({@code b1,b2,b3,b4}): the
   * default of every {@code --boards} list option (emulate's count is exempt: see SELF_CONTAINED).
   */
  static final String BOARD_NAMES = "boards";

  @Override
  public String defaultValue(ArgSpec arg) {
    if (arg instanceof OptionSpec o && !selfContained(o.command())) {
      return values.getProperty(o.longestName().replaceFirst("^--", ""));
    }
    return null;
  }

  private static boolean selfContained(CommandSpec command) {
    for (CommandSpec c = command; c != null; c = c.parent()) {
      if (SELF_CONTAINED.contains(c.name())) {
        return true;
      }
    }
    return false;
  }
}
