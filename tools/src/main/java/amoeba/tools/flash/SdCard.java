package amoeba.tools.flash;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code amoeba flash --sd PATH}: prepares a freshly written Raspberry Pi OS card, mounted at PATH
 * (its boot partition at PATH/bootfs or PATH/boot, its root partition at PATH/rootfs or
 * PATH/root: how a desktop mounts the two partitions by label, e.g. /media/USER), so that the
 * board joins the pool on its first boot.
 *
 * <p>The first-boot step is a systemd oneshot unit, amoeba-firstboot.service, installed and
 * enabled on the root partition (the symlink {@code systemctl enable} would make), guarded by a
 * marker file it removes when done. It runs after network-online.target, so apt-get can install
 * Java. Raspberry Pi OS's own first-boot hooks are not used: Bookworm's Imager runs
 * {@code firstrun.sh} through {@code systemd.run=} on cmdline.txt before the network is up
 * (too early for apt-get, and a second {@code systemd.run=} would replace the Imager's own), and
 * Trixie's Imager writes cloud-init files (user-data, network-config) to the boot partition. Both
 * keep working beside this unit: they set the user, Wi-Fi and SSH; this unit adds the board.
 * cmdline.txt and config.txt are only read, to recognise the card.
 */
public final class SdCard {
  private final Path boot;
  private final Path rootfs;

  private SdCard(Path boot, Path rootfs) {
    this.boot = boot;
    this.rootfs = rootfs;
  }

  /** Recognises a Raspberry Pi OS card at {@code path}, or says why it is not one. */
  public static SdCard at(Path path) {
    if (!Files.isDirectory(path)) {
      throw new FlashException(path + " is not a folder: give the folder where the card's partitions are mounted");
    }
    Path boot = first(path, "bootfs", "boot");
    Path root = first(path, "rootfs", "root");
    if (boot == null || !Files.isRegularFile(boot.resolve("cmdline.txt")) || !Files.isRegularFile(boot.resolve("config.txt"))) {
      throw new FlashException(path + " is not a Raspberry Pi OS card: no boot partition (bootfs/ or boot/ with"
          + " cmdline.txt and config.txt)");
    }
    if (root == null || !Files.isDirectory(root.resolve("etc"))) {
      throw new FlashException(path + " is not a Raspberry Pi OS card: no root partition (rootfs/ with etc/); is it"
          + " mounted? A desktop mounts it beside bootfs/");
    }
    String osRelease = read(root.resolve("etc/os-release"));
    if (!osRelease.contains("ID=debian") && !osRelease.contains("ID=raspbian")) {
      throw new FlashException(path + " is not a Raspberry Pi OS card: " + root.resolve("etc/os-release")
          + " does not name Debian or Raspbian");
    }
    if (!Files.isWritable(root.resolve("etc"))) {
      throw new FlashException(root + " is not writable (the root partition is owned by root: run with sudo)");
    }
    return new SdCard(boot, root);
  }

  public Path boot() {
    return boot;
  }

  public Path rootfs() {
    return rootfs;
  }

  /**
   * Writes the bundle, the board's configuration and key, the board unit and the first-boot unit
   * (enabled). Returns the files written, for the user to see.
   */
  public List<Path> prepare(Bundle bundle, BoardSettings settings, String poolKeyHex, Consumer<String> progress) {
    BoardLayout real = new BoardLayout("");
    List<Path> written = new ArrayList<>();
    try {
      Path opt = under(real.opt());
      progress.accept("copying " + bundle.file().getFileName() + " to " + opt);
      Files.createDirectories(opt);
      Files.copy(bundle.file(), opt.resolve("bundle.tar.gz"), StandardCopyOption.REPLACE_EXISTING);
      written.add(opt.resolve("bundle.tar.gz"));
      written.add(write(opt.resolve("firstboot.version"), bundle.id() + "\n", "rw-r--r--"));
      written.add(write(opt.resolve("firstboot.sh"), Bundle.resource("firstboot.sh"), "rwxr-xr-x"));
      written.add(write(opt.resolve("firstboot.pending"), "amoeba-firstboot.service runs while this file exists\n", "rw-r--r--"));
      written.add(write(under(real.boardConf()), settings.render(), "rw-r--r--"));
      written.add(write(under(real.poolKey()), poolKeyHex + "\n", "rw-------"));
      Path units = under(real.unitDir());
      written.add(write(units.resolve(BoardLayout.UNIT), Bundle.resource(BoardLayout.UNIT), "rw-r--r--"));
      written.add(write(units.resolve(BoardLayout.FIRSTBOOT_UNIT), Bundle.resource(BoardLayout.FIRSTBOOT_UNIT), "rw-r--r--"));
      Path wants = units.resolve("multi-user.target.wants");
      Files.createDirectories(wants);
      Path link = wants.resolve(BoardLayout.FIRSTBOOT_UNIT);
      Files.deleteIfExists(link);
      // Absolute, as systemctl enable makes it: it resolves on the booted board.
      Files.createSymbolicLink(link, Path.of(real.unitDir(), BoardLayout.FIRSTBOOT_UNIT));
      written.add(link);
      Files.createDirectories(under(real.data()));
    } catch (IOException e) {
      String reason = String.valueOf(e.getMessage());
      throw new FlashException((reason.contains("No space") ? "no space on the card: " : "cannot write to the card: ")
          + reason, e);
    }
    return written;
  }

  private Path under(String absolute) {
    return rootfs.resolve(absolute.substring(1));
  }

  private static Path write(Path file, String text, String mode) throws IOException {
    Files.createDirectories(file.getParent());
    Path part = file.resolveSibling(file.getFileName() + ".new");
    Files.deleteIfExists(part);
    Files.createFile(part, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(part, text, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(part, PosixFilePermissions.fromString(mode));
    Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  private static Path first(Path dir, String... names) {
    for (String n : names) {
      if (Files.isDirectory(dir.resolve(n))) {
        return dir.resolve(n);
      }
    }
    return null;
  }

  private static String read(Path file) {
    try {
      return Files.isRegularFile(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new FlashException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
