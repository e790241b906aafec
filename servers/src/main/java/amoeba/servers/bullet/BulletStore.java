package amoeba.servers.bullet;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CheckScheme;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The Bullet server's folder. Layout:
 *
 * <pre>
 * ROOT/files/OOOOOO.SSSSSSSSSSSS   a committed file: object number (6 hex digits) and the
 *                                  object's secret R (12 hex digits) in its name, so its
 *                                  capabilities stay valid across a restart
 * ROOT/tmp/N.part                  a file being written (uncommitted)
 * </pre>
 *
 * Crash rule: a file enters files/ only by one atomic rename of its complete temp file
 * ({@link #commit}), so files/ never holds a half file; whatever is in tmp/ at start belongs to
 * a commit that never answered, and {@link #open} deletes it. A kill -9 loses no committed file
 * (the page cache outlives the process); a power cut loses none committed with SAFE (file fsync,
 * rename, folder fsync) and may lose those committed without it. Revocation renames the file to
 * its new secret (also one atomic rename, folder fsynced).
 */
final class BulletStore {
  /** A committed file found on disk. */
  record Stored(int object, long secret, Path path, long size) {}

  private static final Pattern NAME = Pattern.compile("([0-9a-f]{6})\\.([0-9a-f]{12})");

  private final Path files;
  private final Path tmp;
  private final AtomicLong tempCounter = new AtomicLong();

  private BulletStore(Path root) {
    this.files = root.resolve("files");
    this.tmp = root.resolve("tmp");
  }

  /**
   * Opens (or creates) the store at {@code root}: deletes leftover temp files and lists the
   * committed ones. Names that are not a committed file's are left alone and logged; of two
   * files with the same object number (impossible unless someone copied files in) the first in
   * name order wins.
   */
  static BulletStore open(Path root, List<Stored> committed) throws IOException {
    BulletStore s = new BulletStore(root);
    Files.createDirectories(s.files);
    Files.createDirectories(s.tmp);
    int removed = 0;
    try (DirectoryStream<Path> d = Files.newDirectoryStream(s.tmp)) {
      for (Path p : d) {
        Files.deleteIfExists(p);
        removed++;
      }
    }
    if (removed > 0) {
      Logger.info("bullet: deleted {} uncommitted file(s) left by an earlier run", removed);
      fsync(s.tmp);
    }
    List<Path> names = new ArrayList<>();
    try (DirectoryStream<Path> d = Files.newDirectoryStream(s.files)) {
      d.forEach(names::add);
    }
    names.sort(null);
    Set<Integer> seen = new HashSet<>();
    for (Path p : names) {
      Matcher m = NAME.matcher(p.getFileName().toString());
      int object = m.matches() ? Integer.parseInt(m.group(1), 16) : -1;
      long secret = m.matches() ? Long.parseLong(m.group(2), 16) : 0;
      if (object <= 0 || object > Capability.MAX_OBJECT || secret == 0 || !seen.add(object)) {
        Logger.warn("bullet: ignoring {}: not a committed file's name (or a duplicate object)", p);
        continue;
      }
      committed.add(new Stored(object, secret, p, Files.size(p)));
    }
    return s;
  }

  /** A new empty temp file, open for writing. */
  Temp newTemp() throws IOException {
    Path p = tmp.resolve(tempCounter.incrementAndGet() + ".part");
    FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new Temp(p, ch);
  }

  /** An uncommitted file's temp file and its open channel. */
  record Temp(Path path, FileChannel channel) {}

  /**
   * Makes {@code temp} the committed file (object, secret): fsync (if safe), close, atomic
   * rename, folder fsync (if safe).
   *
   * @return the committed file's path
   */
  Path commit(Temp temp, int object, long secret, boolean safe) throws IOException {
    try (FileChannel ch = temp.channel()) {
      if (safe) {
        ch.force(true);
      }
    }
    Path target = pathOf(object, secret);
    Files.move(temp.path(), target, StandardCopyOption.ATOMIC_MOVE);
    if (safe) {
      fsync(files);
    }
    return target;
  }

  /** Discards an uncommitted file. */
  static void discard(Temp temp) {
    try {
      temp.channel().close();
      Files.deleteIfExists(temp.path());
    } catch (IOException e) {
      Logger.warn(e, "bullet: cannot delete {}", temp.path());
    }
  }

  /** Renames a committed file after a revoke (durably: the old secret must not come back). */
  Path rename(Path from, int object, long newSecret) throws IOException {
    Path target = pathOf(object, newSecret);
    Files.move(from, target, StandardCopyOption.ATOMIC_MOVE);
    fsync(files);
    return target;
  }

  /** Deletes a committed file (destroy or age): gone from the folder, durably. */
  void delete(Path file) {
    try {
      Files.deleteIfExists(file);
      fsync(files);
    } catch (IOException e) {
      Logger.warn(e, "bullet: cannot delete {}", file);
    }
  }

  Path pathOf(int object, long secret) {
    return files.resolve(String.format("%06x.%012x", object, secret & CheckScheme.SECRET_MASK));
  }

  Path tempFolder() {
    return tmp;
  }

  Path filesFolder() {
    return files;
  }

  /** fsync of a folder: makes renames and deletions in it durable (Linux). */
  static void fsync(Path folder) throws IOException {
    try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      // Some file systems refuse fsync on a folder; the rename is still atomic.
      Logger.debug("bullet: folder fsync of {} not supported: {}", folder, e.getMessage());
    }
  }
}
