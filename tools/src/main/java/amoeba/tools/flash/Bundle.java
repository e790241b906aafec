package amoeba.tools.flash;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The release bundle {@code amoeba-pi-VERSION.tar.gz} that {@code mvn package} builds
 * (tools/src/assembly/bundle.xml). A board keeps it unpacked under {@code versions/ID}, where the
 * id is the version and the start of the file's SHA-256: two builds of one snapshot version are
 * different ids, the same file flashed twice is the same id (and changes nothing).
 *
 * @param file the tar.gz
 * @param version from the file name, e.g. 0.1.0-SNAPSHOT
 * @param sha256 of the file, hex
 * @param bytes its size
 */
public record Bundle(Path file, String version, String sha256, long bytes) {
  private static final Pattern NAME = Pattern.compile("amoeba-pi-(.+)\\.tar\\.gz");

  /** The id of the versioned folder on a board. */
  public String id() {
    return version + "-" + sha256.substring(0, 12);
  }

  /** Reads a bundle file: its version from its name, its hash from its bytes. */
  public static Bundle of(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    if (!m.matches()) {
      throw new FlashException("not a release bundle (amoeba-pi-VERSION.tar.gz): " + file);
    }
    if (!Files.isRegularFile(file)) {
      throw new FlashException("no release bundle at " + file + ": build it with './mvnw -q package -DskipTests'");
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      String hex = HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
      return new Bundle(file, m.group(1), hex, Files.size(file));
    } catch (IOException e) {
      throw new FlashException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }

  /**
   * The bundle beside the running jar: tools/target/ in a source tree (where mvn package puts
   * it), or beside the folder a user unpacked the bundle into (lib/amoeba.jar); {@code version}
   * null (classes, not the jar) takes any version there.
   */
  public static Bundle find(Path runningJar, String version) {
    String name = "amoeba-pi-" + (version == null ? "*" : version) + ".tar.gz";
    Path dir = runningJar.toAbsolutePath().getParent();
    List<Path> tried = new ArrayList<>();
    if (dir != null) {
      tried.add(dir);
      if (dir.getParent() != null && dir.getParent().getParent() != null) {
        tried.add(dir.getParent().getParent());
      }
    }
    for (Path folder : tried) {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(folder, name)) {
        for (Path p : s) {
          return of(p);
        }
      } catch (IOException e) {
        // not there: try the next folder
      }
    }
    throw new FlashException("no release bundle " + name + " (looked in " + tried
        + "): build it with './mvnw -q package -DskipTests' or give --bundle FILE");
  }

  /** A unit or script shipped in this jar (and in the bundle): amoeba/tools/flash/NAME. */
  public static String resource(String name) {
    try (InputStream in = Bundle.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource amoeba/tools/flash/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
