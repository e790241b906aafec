package amoeba.tools.flash;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Installs one board over SSH, in steps that each check before they change anything:
 *
 * <ol>
 *   <li>probe: OS, architecture, Java, model, memory, free space, the installed version;
 *   <li>refuse what cannot work (ARMv6, no Linux, no space, no sudo); install Java 17 from the
 *       OS packages if missing (after asking);
 *   <li>if the same bundle, configuration, key and unit are in place and the unit is active:
 *       nothing to do ("unchanged");
 *   <li>upload the bundle into {@code versions/ID.part}, check its SHA-256, unpack, rename to
 *       {@code versions/ID} (a half-uploaded version is never used);
 *   <li>keep copies of the old configuration files ({@code *.previous}), write the new ones,
 *       point {@code current} at the new version and {@code previous} at the old one;
 *   <li>daemon-reload, enable and restart the unit; it must be active, and (unless --no-wait) the
 *       board must answer on the pool; otherwise roll back: old version and files, unit restarted;
 *   <li>remove versions other than current and previous.
 * </ol>
 *
 * Every remote command is one {@code sh -c} script, run through {@code sudo -n} when the user is
 * not root; an optional PATH prefix lets a test put fake {@code systemctl}, {@code java} and
 * {@code uname} first.
 */
public final class HostFlasher {
  /** Where progress goes, and how a question is asked. */
  public interface Ui {
    void progress(String line);

    /** True to go ahead; asked only without --yes. */
    boolean confirm(String question);
  }

  /** Waits until board {@code name} answers on the pool: null when it does, else why not. */
  public interface PoolWait {
    String await(String name);
  }

  public enum Outcome {
    INSTALLED, UPDATED, UNCHANGED, ROLLED_BACK, FAILED
  }

  /** How one host went. */
  public record Report(String board, String target, Outcome outcome, String detail) {
    public boolean ok() {
      return outcome == Outcome.INSTALLED || outcome == Outcome.UPDATED || outcome == Outcome.UNCHANGED;
    }
  }

  /**
   * What the probe found on a host.
   *
   * @param values its key=value lines
   * @param hashes SHA-256 of the installed configuration files, by path
   */
  public record Facts(Map<String, String> values, Map<String, String> hashes) {
    public String get(String key) {
      return values.getOrDefault(key, "");
    }

    public boolean root() {
      return get("uid").equals("0");
    }

    public long number(String key) {
      try {
        return Long.parseLong(get(key));
      } catch (NumberFormatException e) {
        return 0;
      }
    }
  }

  /** Architectures a current HotSpot runs on (x86_64: a PC or a VM standing in for a Pi). */
  static final Set<String> SUPPORTED_ARCH = Set.of("aarch64", "arm64", "armv7l", "armv8l", "x86_64");

  /** Headroom beyond the bundle, its unpacked copy and a previous version, in bytes. */
  static final long SPACE_SLACK_BYTES = 16L << 20;

  private final Ssh ssh;
  private final BoardLayout layout;
  private final String remotePath;
  private final Bundle bundle;
  private final Ui ui;
  private final boolean yes;
  private final PoolWait poolWait;
  private String board = "?";
  private boolean sudo;

  /**
   * @param remotePath prepended to PATH on the host (tests: fake commands), or null
   * @param yes install Java without asking
   * @param poolWait null to skip waiting for the board on the pool (--no-wait)
   */
  public HostFlasher(Ssh ssh, BoardLayout layout, String remotePath, Bundle bundle, Ui ui, boolean yes,
      PoolWait poolWait) {
    this.ssh = ssh;
    this.layout = layout;
    this.remotePath = remotePath;
    this.bundle = bundle;
    this.ui = ui;
    this.yes = yes;
    this.poolWait = poolWait;
  }

  /** A file the board gets besides the bundle: its configuration, the pool key, the unit, secrets. */
  public record ConfigFile(String path, byte[] content, String mode) {}

  /**
   * Flashes board {@code name}; {@code files} makes its configuration files from the probe's
   * facts. Never throws for a host's own trouble: the report says what happened.
   */
  public Report flash(String name, Function<Facts, List<ConfigFile>> files) {
    board = name;
    try {
      return install(files);
    } catch (FlashException e) {
      return report(Outcome.FAILED, e.getMessage().replaceFirst("^" + Pattern.quote(ssh.target()) + ": ", ""));
    }
  }

  /** The board's usual files: board.conf, the pool key (0600), the unit with the layout's paths. */
  public static List<ConfigFile> boardFiles(BoardSettings settings, String poolKeyHex) {
    BoardLayout layout = settings.layout();
    return List.of(
        new ConfigFile(layout.boardConf(), settings.render().getBytes(StandardCharsets.UTF_8), "644"),
        new ConfigFile(layout.poolKey(), (poolKeyHex + "\n").getBytes(StandardCharsets.US_ASCII), "600"),
        new ConfigFile(layout.unitFile(),
            layout.rewrite(Bundle.resource(BoardLayout.UNIT)).getBytes(StandardCharsets.UTF_8), "644"));
  }

  private Report install(Function<Facts, List<ConfigFile>> filesOf) {
    Facts facts = probe();
    say("found " + describe(facts));
    refuseWhatCannotWork(facts);
    facts = ensureJava(facts);
    List<ConfigFile> files = filesOf.apply(facts);
    String id = bundle.id();
    String oldCurrent = facts.get("current").replaceFirst("^versions/", "");
    Facts installed = facts;
    boolean sameFiles = files.stream().allMatch(f -> sha256(f.content()).equals(installed.hashes().get(f.path())));
    if (id.equals(oldCurrent) && sameFiles && facts.get("active").equals("yes")) {
      return report(Outcome.UNCHANGED, id + " already running");
    }
    if (!facts.get("has_version").equals("yes")) {
      needSpace(facts);
      upload(id);
    }
    say("writing " + files.stream().map(f -> f.path() + " (" + f.mode() + ")").collect(Collectors.joining(", "))
        + "; starting " + BoardLayout.UNIT);
    String paths = files.stream().map(f -> q(f.path())).collect(Collectors.joining(" "));
    String failure = switchAndStart(files, paths, id, oldCurrent);
    if (failure == null && poolWait != null) {
      say("waiting for " + board + " to answer on the pool");
      String why = poolWait.await(board);
      failure = why == null ? null : "the board did not answer on the pool: " + why;
    } else if (failure == null) {
      say("started (not waiting for the pool: --no-wait)");
    }
    if (failure != null) {
      return rollBack(oldCurrent, id, paths, failure);
    }
    pruneVersions(id, oldCurrent);
    if (oldCurrent.isEmpty()) {
      return report(Outcome.INSTALLED, id);
    }
    return report(Outcome.UPDATED, oldCurrent.equals(id) ? id + " (new configuration)" : oldCurrent + " -> " + id);
  }

  /**
   * One script: keep the old files as *.previous, write the new ones (their bytes follow one
   * another on stdin; dd reads exactly each length), point current (and previous) at the
   * versions, reload, enable and restart the unit, check it is active. Null when all went well,
   * else why not (and the caller rolls back).
   */
  private String switchAndStart(List<ConfigFile> files, String paths, String id, String oldCurrent) {
    StringBuilder script = new StringBuilder("fail() { echo \"$1\" >&2; exit 1; }\n")
        .append("for f in ").append(paths).append("; do if [ -e \"$f\" ]; then cp -p \"$f\" \"$f.previous\";")
        .append(" else rm -f \"$f.previous\"; fi; done || fail 'cannot keep the old configuration'\n")
        .append("umask 077\n");
    java.io.ByteArrayOutputStream stdin = new java.io.ByteArrayOutputStream();
    for (ConfigFile f : files) {
      String dir = f.path().substring(0, f.path().lastIndexOf('/'));
      String part = q(f.path() + ".new");
      script.append("mkdir -p ").append(q(dir)).append(" && dd bs=1 count=").append(f.content().length)
          .append(" of=").append(part).append(" status=none && chmod ").append(f.mode()).append(' ').append(part)
          .append(" && mv -f ").append(part).append(' ').append(q(f.path()))
          .append(" || fail ").append(q("cannot write " + f.path())).append('\n');
      stdin.writeBytes(f.content());
    }
    script.append("mkdir -p ").append(q(layout.data()));
    if (!oldCurrent.isEmpty() && !oldCurrent.equals(id)) {
      script.append(" && ln -sfn ").append(q("versions/" + oldCurrent)).append(' ').append(q(layout.previous()));
    }
    script.append(" && ln -sfn ").append(q("versions/" + id)).append(' ').append(q(layout.current() + ".new"))
        .append(" && mv -fT ").append(q(layout.current() + ".new")).append(' ').append(q(layout.current()))
        .append(" || fail ").append(q("cannot switch to " + id)).append('\n')
        .append("systemctl daemon-reload && systemctl enable --quiet ").append(BoardLayout.UNIT)
        .append(" || fail 'cannot enable the unit'\n")
        .append("out=$(systemctl restart ").append(BoardLayout.UNIT).append(" 2>&1) || fail \"the unit did not start: $out\"\n")
        .append("systemctl is-active --quiet ").append(BoardLayout.UNIT)
        .append(" || fail 'the unit is not active after its start (journalctl -u amoeba-board)'\n");
    Ssh.Result r = ssh.run(privilegedShell(script.toString()), new ByteArrayInputStream(stdin.toByteArray()));
    return r.ok() ? null : noSpace(r);
  }

  /** One script that prints key=value lines; only reads, needs no privileges. */
  Facts probe() {
    String r = q(layout.root());
    String script = "R=" + r + "\n"
        + "echo uid=$(id -u)\n"
        + "echo kernel=$(uname -s)\n"
        + "echo arch=$(uname -m)\n"
        + "if [ -r \"$R/etc/os-release\" ]; then ( . \"$R/etc/os-release\"; echo \"os=${PRETTY_NAME:-$ID}\";"
        + " echo \"os_id=$ID\"; echo \"os_like=${ID_LIKE:-}\" ); fi\n"
        + "echo \"model=$(tr -d '\\000' 2>/dev/null < \"$R/proc/device-tree/model\")\"\n"
        + "echo \"java=$(java -version 2>&1 | grep -m1 version)\"\n"
        + "echo \"mem_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null)\"\n"
        + "d=\"$R/opt\"; while [ ! -d \"$d\" ]; do d=$(dirname \"$d\"); done\n"
        + "echo \"free_kb=$(df -Pk \"$d\" | awk 'NR == 2 { print $4 }')\"\n"
        + "echo \"current=$(readlink \"$R/opt/amoeba/current\" 2>/dev/null)\"\n"
        + "if [ -d \"$R/opt/amoeba/versions/" + bundle.id() + "\" ]; then echo has_version=yes; fi\n"
        + "S=''; if [ \"$(id -u)\" != 0 ]; then if sudo -n true 2>/dev/null; then S='sudo -n'; echo sudo=yes;"
        + " else echo sudo=no; fi; fi\n"
        // the key is readable by root only: hashes, not contents, come back
        + "$S sha256sum " + layout.configFiles().stream().map(HostFlasher::q).collect(Collectors.joining(" "))
        + " 2>/dev/null | sed 's/^/file /'\n"
        + "if systemctl is-active --quiet " + BoardLayout.UNIT + "; then echo active=yes; fi\n";
    Ssh.Result result = ssh.run(shell(script));
    if (!result.ok()) {
      throw new FlashException("cannot examine the host: " + result.reason());
    }
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> hashes = new HashMap<>();
    for (String line : result.out().split("\n")) {
      int eq = line.indexOf('=');
      if (line.startsWith("file ")) {
        String[] hashAndPath = line.substring(5).split("\\s+", 2);
        hashes.put(hashAndPath[1].strip(), hashAndPath[0]);
      } else if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1).strip());
      }
    }
    Facts facts = new Facts(values, hashes);
    sudo = !facts.root();
    return facts;
  }

  private void refuseWhatCannotWork(Facts f) {
    if (!f.get("kernel").equals("Linux")) {
      throw new FlashException("not Linux (" + f.get("kernel") + "): amoeba boards run on Raspberry Pi OS or another Debian");
    }
    String arch = f.get("arch");
    if (arch.startsWith("armv6")) {
      throw new FlashException("unsupported architecture " + arch + ": an ARMv6 board (Pi 1, Zero, Zero W) cannot run a"
          + " current JVM (Java 17 needs ARMv7 or ARMv8: Pi 2, 3, 4, 5, Zero 2 W)");
    }
    if (!SUPPORTED_ARCH.contains(arch)) {
      throw new FlashException("unsupported architecture " + arch + " (supported: aarch64, armv7l, x86_64)");
    }
    if (!f.root() && !f.get("sudo").equals("yes")) {
      throw new FlashException("user cannot sudo without a password: flash installs into /opt and /etc and runs"
          + " systemctl (Raspberry Pi OS's first user may; or connect as root)");
    }
  }

  private Facts ensureJava(Facts f) {
    int major = BoardSettings.javaVersion(f.get("java"))[0];
    if (major >= 17) {
      return f;
    }
    String found = major == 0 ? "no Java" : "Java " + major;
    String osFamily = f.get("os_id") + " " + f.get("os_like");
    if (!osFamily.contains("debian") && !osFamily.contains("raspbian") && !osFamily.contains("ubuntu")) {
      throw new FlashException(found + ", and " + f.get("os") + " is not Debian-based: install Java 17 yourself");
    }
    if (!yes && !ui.confirm(board + " " + ssh.target() + " has " + found
        + ": install Java 17 (openjdk-17-jre-headless) from the OS packages?")) {
      throw new FlashException(found + " and Java was not to be installed (needs Java 17 or newer; --yes installs it)");
    }
    say(found + ": installing Java 17 from the OS packages (apt-get; takes a few minutes on a small board)");
    privileged("installing Java failed",
        "export DEBIAN_FRONTEND=noninteractive; apt-get update -q >/dev/null"
            + " && if apt-cache show openjdk-17-jre-headless >/dev/null 2>&1; then p=openjdk-17-jre-headless;"
            + " else p=default-jre-headless; fi && apt-get install -y -q --no-install-recommends \"$p\" >/dev/null");
    Facts again = probe();
    if (BoardSettings.javaVersion(again.get("java"))[0] < 17) {
      throw new FlashException("Java was installed but 'java -version' still says: " + again.get("java"));
    }
    say("installed " + again.get("java"));
    return again;
  }

  private void needSpace(Facts f) {
    long need = 3 * bundle.bytes() + SPACE_SLACK_BYTES;
    long free = f.number("free_kb") * 1024;
    if (free < need) {
      throw new FlashException("no space: " + (free >> 20) + " MiB free under " + layout.opt()
          + ", the bundle needs " + (need >> 20) + " MiB");
    }
  }

  /** Streams the bundle into versions/ID.part, checks its hash, unpacks it, renames it to versions/ID. */
  private void upload(String id) {
    String part = layout.versions() + "/" + id + ".part";
    say(String.format("uploading %s (%.1f MiB)", bundle.file().getFileName(), bundle.bytes() / 1048576.0));
    String script = "rm -rf " + q(part) + " && mkdir -p " + q(part) + " && cd " + q(part)
        + " && cat > bundle.tar.gz && echo " + q(bundle.sha256() + "  bundle.tar.gz") + " | sha256sum -c --quiet"
        + " && tar -xzf bundle.tar.gz --strip-components=1 && rm bundle.tar.gz"
        + " && cd .. && rm -rf " + q(id) + " && mv " + q(id + ".part") + " " + q(id);
    try (InputStream in = Files.newInputStream(bundle.file())) {
      Ssh.Result r = ssh.run(privilegedShell(script), in);
      if (!r.ok()) {
        ssh.run(privilegedShell("rm -rf " + q(part)));
        throw new FlashException("upload failed: " + noSpace(r));
      }
    } catch (IOException e) {
      throw new FlashException("cannot read " + bundle.file() + ": " + e.getMessage(), e);
    }
  }

  private Report rollBack(String oldCurrent, String id, String paths, String failure) {
    say(failure + "; rolling back");
    String restoreFiles = "for f in " + paths + "; do if [ -e \"$f.previous\" ]; then mv -f \"$f.previous\" \"$f\"; fi; done";
    if (oldCurrent.isEmpty()) {
      ssh.run(privilegedShell("systemctl disable --now --quiet " + BoardLayout.UNIT + "; rm -f " + q(layout.current())));
      return report(Outcome.FAILED, failure + "; nothing to roll back to: the unit is stopped and disabled");
    }
    Ssh.Result r = ssh.run(privilegedShell(restoreFiles
        + "; ln -sfn " + q("versions/" + oldCurrent) + " " + q(layout.current() + ".new")
        + " && mv -fT " + q(layout.current() + ".new") + " " + q(layout.current())
        + (oldCurrent.equals(id) ? "" : " && rm -rf " + q(layout.versions() + "/" + id))
        + " && systemctl daemon-reload && systemctl restart " + BoardLayout.UNIT));
    if (!r.ok()) {
      return report(Outcome.FAILED, failure + "; the rollback to " + oldCurrent + " failed too: " + r.reason());
    }
    return report(Outcome.ROLLED_BACK, failure + "; back on " + oldCurrent);
  }

  private void pruneVersions(String id, String oldCurrent) {
    String keep = oldCurrent.isEmpty() || oldCurrent.equals(id) ? null : oldCurrent;
    String script = "prev=$(readlink " + q(layout.previous()) + " 2>/dev/null | sed 's|^versions/||')\n"
        + "for d in " + q(layout.versions()) + "/*; do [ -e \"$d\" ] || continue; n=$(basename \"$d\");"
        + " if [ \"$n\" != " + q(id) + " ] && [ \"$n\" != \"$prev\" ]"
        + (keep == null ? "" : " && [ \"$n\" != " + q(keep) + " ]")
        + "; then rm -rf \"$d\"; fi; done";
    ssh.run(privilegedShell(script));
  }

  private void privileged(String what, String script) {
    Ssh.Result r = ssh.run(privilegedShell(script));
    if (!r.ok()) {
      throw new FlashException(what + ": " + noSpace(r));
    }
  }

  /** Why a command failed; a full file system is named as such whatever the last line says. */
  private static String noSpace(Ssh.Result r) {
    return (r.err().contains("No space left") ? "no space left on the host: " : "") + r.reason();
  }

  private String shell(String script) {
    String path = remotePath == null ? "" : "PATH=" + q(remotePath) + ":\"$PATH\"; export PATH\n";
    return "sh -c " + q(path + script);
  }

  private String privilegedShell(String script) {
    return (sudo ? "sudo -n " : "") + shell(script);
  }

  private static String describe(Facts f) {
    String model = f.get("model").isEmpty() ? "no Raspberry Pi model" : f.get("model");
    String java = f.get("java").isEmpty() ? "no Java" : f.get("java").replaceAll(".*version \"([^\"]+)\".*", "Java $1");
    return model + ", " + f.get("arch") + ", " + f.get("os") + ", " + java + ", "
        + (f.number("free_kb") >> 10) + " MiB free";
  }

  private void say(String line) {
    ui.progress(board + " " + ssh.target() + ": " + line);
  }

  private Report report(Outcome outcome, String detail) {
    say(outcome.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": " + detail);
    return new Report(board, ssh.target(), outcome, detail);
  }

  /** Single-quoted for sh. */
  static String q(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
