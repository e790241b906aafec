package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.tools.CapCommandTest.Result;
import amoeba.tools.bench.PeerProcess;
import amoeba.tools.flash.Bundle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amoeba flash} against a real OpenSSH server started on 127.0.0.1 with a host key and a
 * client key of the test's own. Everything the flash writes goes under a temporary root
 * (--remote-root), and fake {@code systemctl}, {@code uname}, {@code java}, {@code apt-get} come
 * first on the host's PATH (--remote-path): they record their calls and fail on request, so the
 * test sees what a Pi would have been told to do. Skipped, saying so, without /usr/sbin/sshd.
 */
class FlashTest {
  static final String MODEL = "Raspberry Pi 4 Model B Rev 1.4";

  @TempDir static Path ssh;
  static Process sshd;
  static int port;
  static String user = System.getProperty("user.name");

  @TempDir Path work;
  Path home;
  String previousHome;

  @BeforeAll
  static void startSshd() throws Exception {
    Path daemon = Path.of("/usr/sbin/sshd");
    Assumptions.assumeTrue(Files.isExecutable(daemon) && Files.isExecutable(Path.of("/usr/bin/ssh-keygen")),
        "SKIPPED: no OpenSSH server (/usr/sbin/sshd): apt-get install openssh-server (.ci/run does)");
    keygen(ssh.resolve("host_key"));
    keygen(ssh.resolve("client_key"));
    keygen(ssh.resolve("stranger_key"));
    Files.copy(ssh.resolve("client_key.pub"), ssh.resolve("authorized_keys"));
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    // sshd refuses to start without its privilege-separation folder when run as root.
    if ("root".equals(user)) {
      Files.createDirectories(Path.of("/run/sshd"));
    }
    Files.writeString(ssh.resolve("sshd_config"), String.join("\n",
        "Port " + port,
        "ListenAddress 127.0.0.1",
        "HostKey " + ssh.resolve("host_key"),
        "AuthorizedKeysFile " + ssh.resolve("authorized_keys"),
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "PidFile " + ssh.resolve("sshd.pid"),
        "MaxStartups 50",
        "") + "\n");
    sshd = new ProcessBuilder(daemon.toString(), "-D", "-e", "-f", ssh.resolve("sshd_config").toString())
        .redirectErrorStream(true).redirectOutput(ssh.resolve("sshd.log").toFile()).start();
    // Ready when it accepts a connection (bounded: 20 s).
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      try {
        new java.net.Socket("127.0.0.1", port).close();
        break;
      } catch (IOException e) {
        if (!sshd.isAlive() || System.nanoTime() > deadline) {
          Assumptions.assumeTrue(false, "SKIPPED: sshd did not start: " + Files.readString(ssh.resolve("sshd.log")));
        }
        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
      }
    }
    String hostKey = Files.readString(ssh.resolve("host_key.pub")).strip().split(" ")[0] + " "
        + Files.readString(ssh.resolve("host_key.pub")).strip().split(" ")[1];
    Files.writeString(ssh.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + hostKey + "\n");
  }

  @AfterAll
  static void stopSshd() throws InterruptedException {
    if (sshd != null) {
      List<ProcessHandle> children = sshd.descendants().toList();
      sshd.destroy();
      if (!sshd.waitFor(10, TimeUnit.SECONDS)) {
        sshd.destroyForcibly();
      }
      children.forEach(ProcessHandle::destroyForcibly);
    }
  }

  @BeforeEach
  void ownHome() {
    home = work.resolve("home");
    previousHome = System.setProperty("amoeba.home", home.toString());
  }

  @AfterEach
  void restoreHome() {
    if (previousHome == null) {
      System.clearProperty("amoeba.home");
    } else {
      System.setProperty("amoeba.home", previousHome);
    }
  }

  // ---- over SSH ------------------------------------------------------------------------------

  @Test
  void flashInstallsEveryFileAndARerunChangesNothing() throws Exception {
    Host host = new Host(work.resolve("pi1"));
    Path v1 = bundle("1.0.0", false);
    Result first = flash(host, v1, "--no-wait");
    assertEquals(0, first.status(), first.out() + first.err());
    String id = Bundle.of(v1).id();
    assertTrue(first.out().contains("b1 " + user + "@127.0.0.1:" + port + ": installed: " + id), first.out());

    assertEquals("versions/" + id, Files.readSymbolicLink(host.path("opt/amoeba/current")).toString());
    assertTrue(Files.isExecutable(host.path("opt/amoeba/versions/" + id + "/bin/amoeba-board")));
    assertEquals("jar 1.0.0\n", Files.readString(host.path("opt/amoeba/versions/" + id + "/lib/amoeba.jar")));
    assertFalse(Files.exists(host.path("opt/amoeba/versions/" + id + ".part")));
    assertFalse(Files.exists(host.path("opt/amoeba/previous")), "a first install has no previous version");

    String conf = Files.readString(host.path("etc/amoeba/board.conf"));
    assertTrue(conf.contains("AMOEBA_BOARD_NAME=\"b1\"\n"), conf);
    assertTrue(conf.contains("AMOEBA_BOARD_MODEL=\"" + MODEL + "\"\n"), conf);
    assertTrue(conf.contains("AMOEBA_INTERFACE=\"auto\"\n"), conf);
    // 1 GiB of memory: a 256 MiB heap at most.
    assertTrue(conf.contains("AMOEBA_JAVA_OPTS=\"-Xms16m -Xmx256m -XX:+UseSerialGC -Xss512k\"\n"), conf);
    assertTrue(conf.contains("AMOEBA_POOL_KEY=\"" + host.root + "/etc/amoeba/pool.key\"\n"), conf);
    assertTrue(conf.contains("AMOEBA_NETWORK=\"--transport udp --group 239.77.0.1 --group-port 7700 --ttl 1"), conf);

    Properties profile = profile("pi");
    assertEquals(profile.getProperty("pool-key-hex") + "\n", Files.readString(host.path("etc/amoeba/pool.key")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(host.path("etc/amoeba/pool.key"))));
    assertTrue(conf.contains("--pool-id " + profile.getProperty("pool-id") + "\""), conf);
    assertEquals("b1", profile.getProperty("boards"));
    assertEquals(user + "@127.0.0.1", profile.getProperty("ssh"));
    assertEquals("pi", PoolProfile.currentName());

    String unit = Files.readString(host.path("etc/systemd/system/amoeba-board.service"));
    assertTrue(unit.contains("ExecStart=" + host.root + "/opt/amoeba/current/bin/amoeba-board\n"), unit);
    assertTrue(unit.contains("EnvironmentFile=" + host.root + "/etc/amoeba/board.conf\n"), unit);
    assertTrue(unit.contains("Restart=on-failure\n") && unit.contains("StandardOutput=journal\n"), unit);
    List<String> install = List.of("is-active --quiet amoeba-board.service", "daemon-reload",
        "enable --quiet amoeba-board.service", "restart amoeba-board.service", "is-active --quiet amoeba-board.service");
    assertEquals(install, host.systemctlCalls());

    long confModified = Files.getLastModifiedTime(host.path("etc/amoeba/board.conf")).toMillis();
    Result again = flash(host, v1, "--no-wait");
    assertEquals(0, again.status(), again.out() + again.err());
    assertTrue(again.out().contains(": unchanged: " + id + " already running"), again.out());
    assertTrue(again.out().contains("1 of 1 boards ok: b1=unchanged"), again.out());
    // Only the question whether it runs: no reload, no restart, no file rewritten.
    List<String> rerun = new ArrayList<>(install);
    rerun.add("is-active --quiet amoeba-board.service");
    assertEquals(rerun, host.systemctlCalls());
    assertEquals(confModified, Files.getLastModifiedTime(host.path("etc/amoeba/board.conf")).toMillis());
    assertEquals(profile.getProperty("pool-key-hex"), profile("pi").getProperty("pool-key-hex"), "the pool keeps its key");
  }

  @Test
  void aVersionThatDoesNotStartIsRolledBackAndTheNextUpdateKeepsThePrevious() throws Exception {
    Host host = new Host(work.resolve("pi1"));
    Path v1 = bundle("1.0.0", false);
    Path v2 = bundle("2.0.0", true); // its fake start fails
    Path v3 = bundle("3.0.0", false);
    String id1 = Bundle.of(v1).id();
    assertEquals(0, flash(host, v1, "--no-wait").status());

    Result bad = flash(host, v2, "--no-wait");
    assertEquals(1, bad.status(), bad.out());
    assertTrue(bad.out().contains("rolled back: the unit did not start"), bad.out());
    assertTrue(bad.out().contains("back on " + id1), bad.out());
    assertEquals("versions/" + id1, Files.readSymbolicLink(host.path("opt/amoeba/current")).toString());
    assertFalse(Files.exists(host.path("opt/amoeba/versions/" + Bundle.of(v2).id())), "the failed version is removed");
    List<String> calls = host.systemctlCalls();
    assertEquals("restart amoeba-board.service", calls.get(calls.size() - 1), "the old version is restarted: " + calls);
    assertTrue(host.active(), "the old version runs again");

    Result good = flash(host, v3, "--no-wait");
    assertEquals(0, good.status(), good.out() + good.err());
    String id3 = Bundle.of(v3).id();
    assertTrue(good.out().contains(": updated: " + id1 + " -> " + id3), good.out());
    assertEquals("versions/" + id3, Files.readSymbolicLink(host.path("opt/amoeba/current")).toString());
    assertEquals("versions/" + id1, Files.readSymbolicLink(host.path("opt/amoeba/previous")).toString());
    try (var versions = Files.list(host.path("opt/amoeba/versions"))) {
      assertEquals(List.of(id1, id3), versions.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void javaIsInstalledWhereMissingOnlyWithConsent() throws Exception {
    Host host = new Host(work.resolve("pi1"));
    Files.writeString(host.root.resolve("no-java"), "");
    Path v1 = bundle("1.0.0", false);
    Result refused = flash(host, v1, "--no-wait");
    assertEquals(1, refused.status());
    assertTrue(refused.out().contains("has no Java: install Java 17 (openjdk-17-jre-headless) from the OS packages:"
        + " no terminal to ask on; rerun with --yes"), refused.out());
    assertFalse(Files.exists(host.path("opt/amoeba/current")));

    Result installed = flash(host, v1, "--no-wait", "--yes");
    assertEquals(0, installed.status(), installed.out() + installed.err());
    assertTrue(Files.readString(host.root.resolve("apt.log"))
        .contains("install -y -q --no-install-recommends openjdk-17-jre-headless"));
    assertTrue(installed.out().contains("installed openjdk version \"17.0.13\""), installed.out());
  }

  @Test
  void armv6IsRefusedBeforeAnythingChanges() throws Exception {
    Host host = new Host(work.resolve("zero"));
    Files.writeString(host.root.resolve("fake-arch"), "armv6l\n");
    Result r = flash(host, bundle("1.0.0", false), "--no-wait");
    assertEquals(1, r.status());
    assertTrue(r.out().contains("unsupported architecture armv6l: an ARMv6 board (Pi 1, Zero, Zero W) cannot run a"
        + " current JVM"), r.out());
    assertFalse(Files.exists(host.path("opt")));
    assertFalse(Files.exists(host.path("etc/amoeba")));
  }

  @Test
  void aFullCardIsRefusedBeforeTheUpload() throws Exception {
    Host host = new Host(work.resolve("pi1"));
    Files.writeString(host.root.resolve("fake-free-kb"), "1024\n");
    Result r = flash(host, bundle("1.0.0", false), "--no-wait");
    assertEquals(1, r.status());
    assertTrue(r.out().contains("failed: no space: 1 MiB free under " + host.root + "/opt/amoeba, the bundle needs 16 MiB"),
        r.out());
    assertFalse(Files.exists(host.path("opt/amoeba")));
    assertEquals(List.of("is-active --quiet amoeba-board.service"), host.systemctlCalls(), "only the probe's question");
  }

  @Test
  void unknownAndChangedHostKeysAreRefused() throws Exception {
    Host host = new Host(work.resolve("pi1"));
    Path v1 = bundle("1.0.0", false);
    Path empty = Files.writeString(work.resolve("known_hosts_empty"), "");
    Result unknown = flash(host, v1, "--no-wait", "--known-hosts", empty.toString());
    assertEquals(1, unknown.status());
    assertTrue(unknown.out().contains("unknown host key SHA256:"), unknown.out());

    // The key of another machine recorded for this host and port: a changed key.
    String stranger = Files.readString(ssh.resolve("stranger_key.pub")).strip();
    Path changed = Files.writeString(work.resolve("known_hosts_changed"), "[127.0.0.1]:" + port + " "
        + stranger.split(" ")[0] + " " + stranger.split(" ")[1] + "\n");
    Result mismatch = flash(host, v1, "--no-wait", "--known-hosts", changed.toString());
    assertEquals(1, mismatch.status());
    assertTrue(mismatch.out().contains("HOST KEY CHANGED"), mismatch.out());
    assertFalse(Files.exists(host.path("opt")), "nothing may be written to a host that was not verified");
  }

  @Test
  void aKeyTheHostDoesNotKnowIsRefused() throws Exception {
    Host host = new Host(work.resolve("pi1"));
    Result r = flash(host, bundle("1.0.0", false), "--no-wait", "--identity", ssh.resolve("stranger_key").toString());
    assertEquals(1, r.status());
    assertTrue(r.out().contains("permission denied: the server did not accept the key"), r.out());
  }

  @Test
  void anUnreachableHostIsReportedAndTheOthersGoOn() throws Exception {
    Host host = new Host(work.resolve("pi1"));
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      closed = s.getLocalPort();
    }
    Result r = CapCommandTest.amoeba(host.args(bundle("1.0.0", false), "--no-wait", "--port", Integer.toString(closed)));
    assertEquals(1, r.status());
    assertTrue(r.out().contains("unreachable: connection refused"), r.out());
  }

  @Test
  void flashWaitsUntilTheBoardAnswersOnThePoolAndRollsBackWhenItDoesNot() throws Exception {
    Host host = new Host(work.resolve("pi1"));
    int groupPort;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      groupPort = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    byte[] key = new byte[32];
    new java.util.Random(7).nextBytes(key);
    Path keyFile = Files.writeString(work.resolve("pool.key"), HexFormat.of().formatHex(key) + "\n");
    // The board the fake systemctl "started": a board process named b1 on the pool's network
    // (its own JVM, stopped by PID at the end).
    List<String> net = List.of("--group-port", Integer.toString(groupPort), "--pool-key", keyFile.toString(),
        "--timeout-ms", "1000");
    try (PeerProcess b1 = new PeerProcess(List.of("-Xmx64m"), List.of("boot", "--name", "b1", "--group-port",
        Integer.toString(groupPort), "--pool-id", "4242", "--pool-key", keyFile.toString()), 60_000)) {
      assertEquals("b1", b1.ready()[0]);
      List<String> args = new ArrayList<>(net);
      args.addAll(List.of("--pool-id", "4242", "--wait-seconds", "60"));
      Result up = flash(host, bundle("1.0.0", false), args.toArray(String[]::new));
      assertEquals(0, up.status(), up.out() + up.err());
      assertTrue(up.out().contains("waiting for b1 to answer on the pool"), up.out());
      assertTrue(up.out().contains(": installed: "), up.out());

      // Version 2 "starts", but no board b1 answers in pool 4243: back to version 1.
      List<String> elsewhere = new ArrayList<>(net);
      elsewhere.addAll(List.of("--pool-id", "4243", "--wait-seconds", "2"));
      Result silent = flash(host, bundle("2.0.0", false), elsewhere.toArray(String[]::new));
      assertEquals(1, silent.status(), silent.out());
      assertTrue(silent.out().contains("rolled back: the board did not answer on the pool"), silent.out());
    }
  }

  // ---- onto an SD card -----------------------------------------------------------------------

  @Test
  void aCardIsPreparedFileByFileAndASecondCardJoinsTheSamePool() throws Exception {
    Path card = raspberryPiOsCard(work.resolve("card1"));
    Path bundle = bundle("1.0.0", false);
    String cmdline = Files.readString(card.resolve("bootfs/cmdline.txt"));
    Result r = CapCommandTest.amoeba("flash", "--sd", card.toString(), "--bundle", bundle.toString());
    assertEquals(0, r.status(), r.out() + r.err());

    Path rootfs = card.resolve("rootfs");
    assertArrayEquals(Files.readAllBytes(bundle), Files.readAllBytes(rootfs.resolve("opt/amoeba/bundle.tar.gz")));
    assertEquals(Bundle.of(bundle).id() + "\n", Files.readString(rootfs.resolve("opt/amoeba/firstboot.version")));
    assertTrue(Files.isExecutable(rootfs.resolve("opt/amoeba/firstboot.sh")));
    assertTrue(Files.exists(rootfs.resolve("opt/amoeba/firstboot.pending")));
    String conf = Files.readString(rootfs.resolve("etc/amoeba/board.conf"));
    assertTrue(conf.contains("AMOEBA_BOARD_NAME=\"b1\"\n"), conf);
    assertTrue(conf.contains("AMOEBA_BOARD_MODEL=\"\"\n"), "the model is read on the board: " + conf);
    assertTrue(conf.contains("AMOEBA_POOL_KEY=\"/etc/amoeba/pool.key\"\n"), "paths as the booted board sees them: " + conf);
    Properties profile = profile("pi");
    assertEquals(profile.getProperty("pool-key-hex") + "\n", Files.readString(rootfs.resolve("etc/amoeba/pool.key")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(rootfs.resolve("etc/amoeba/pool.key"))));
    Path units = rootfs.resolve("etc/systemd/system");
    assertTrue(Files.readString(units.resolve("amoeba-board.service")).contains("ExecStart=/opt/amoeba/current/bin/amoeba-board\n"));
    String firstboot = Files.readString(units.resolve("amoeba-firstboot.service"));
    assertTrue(firstboot.contains("After=network-online.target") && firstboot.contains("ConditionPathExists=/opt/amoeba/firstboot.pending"));
    assertEquals(Path.of("/etc/systemd/system/amoeba-firstboot.service"),
        Files.readSymbolicLink(units.resolve("multi-user.target.wants/amoeba-firstboot.service")));
    assertFalse(Files.exists(units.resolve("multi-user.target.wants/amoeba-board.service")), "first boot enables it");
    assertEquals(cmdline, Files.readString(card.resolve("bootfs/cmdline.txt")), "cmdline.txt is left alone");
    assertEquals("b1", profile.getProperty("boards"));

    // First boot, with the card's root partition standing in for / and fake commands first on PATH.
    Host board = new Host(work.resolve("card1-boot"));
    Files.writeString(board.root.resolve("no-java"), "");
    String id = Bundle.of(bundle).id();
    assertEquals(0, runFirstBoot(rootfs, board), Files.readString(work.resolve("firstboot.log")));
    assertTrue(Files.readString(board.root.resolve("apt.log")).contains("install -y -q --no-install-recommends openjdk-17-jre-headless"));
    assertEquals("versions/" + id, Files.readSymbolicLink(rootfs.resolve("opt/amoeba/current")).toString());
    assertEquals("jar 1.0.0\n", Files.readString(rootfs.resolve("opt/amoeba/versions/" + id + "/lib/amoeba.jar")));
    assertFalse(Files.exists(rootfs.resolve("opt/amoeba/bundle.tar.gz")));
    assertFalse(Files.exists(rootfs.resolve("opt/amoeba/firstboot.pending")), "it runs once");
    assertEquals(List.of("daemon-reload", "enable amoeba-board.service", "start --no-block amoeba-board.service",
        "disable amoeba-firstboot.service"), board.systemctlCalls());
    assertTrue(Files.readString(work.resolve("firstboot.log")).contains("amoeba: board b1 installed (" + id + ") and started"));

    Path card2 = raspberryPiOsCard(work.resolve("card2"));
    Result second = CapCommandTest.amoeba("flash", "--sd", card2.toString(), "--bundle", bundle.toString());
    assertEquals(0, second.status(), second.out() + second.err());
    assertTrue(Files.readString(card2.resolve("rootfs/etc/amoeba/board.conf")).contains("AMOEBA_BOARD_NAME=\"b2\"\n"));
    assertEquals(Files.readString(rootfs.resolve("etc/amoeba/pool.key")),
        Files.readString(card2.resolve("rootfs/etc/amoeba/pool.key")), "one pool, one key");
    assertEquals("b1,b2", profile("pi").getProperty("boards"));
  }

  @Test
  void aPoolFlashedOverSshTakesACardWithoutRepeatingItsHosts() throws Exception {
    Host host = new Host(work.resolve("pi1"));
    assertEquals(0, flash(host, bundle("1.0.0", false), "--no-wait").status());
    // The profile now names the ssh hosts: they default --ssh, but --sd alone means the card.
    Path card = raspberryPiOsCard(work.resolve("card"));
    Result r = CapCommandTest.amoeba("flash", "--sd", card.toString(), "--bundle", bundle("1.0.0", false).toString());
    assertEquals(0, r.status(), r.out() + r.err());
    assertTrue(Files.readString(card.resolve("rootfs/etc/amoeba/board.conf")).contains("AMOEBA_BOARD_NAME=\"b2\"\n"));
    assertEquals(Files.readString(host.path("etc/amoeba/pool.key")), Files.readString(card.resolve("rootfs/etc/amoeba/pool.key")));
    assertEquals("b1,b2", profile("pi").getProperty("boards"));
    assertEquals(user + "@127.0.0.1", profile("pi").getProperty("ssh"), "the ssh hosts stay in the profile");

    // Flashing the hosts again keeps the card's board: b1 now watches b2 too.
    Result again = flash(host, bundle("1.0.0", false), "--no-wait");
    assertEquals(0, again.status(), again.out() + again.err());
    assertTrue(again.out().contains("(new configuration)"), again.out());
    assertTrue(Files.readString(host.path("etc/amoeba/board.conf")).contains("AMOEBA_BOARDS=\"b1,b2\"\n"));
    assertEquals("b1,b2", profile("pi").getProperty("boards"));
  }

  @Test
  void aFolderThatIsNotARaspberryPiOsCardIsRefused() throws Exception {
    Path notCard = Files.createDirectories(work.resolve("usb-stick/photos"));
    Result r = CapCommandTest.amoeba("flash", "--sd", notCard.getParent().toString(), "--bundle",
        bundle("1.0.0", false).toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("is not a Raspberry Pi OS card: no boot partition (bootfs/ or boot/ with cmdline.txt"
        + " and config.txt)"), r.err());

    Path noRoot = work.resolve("half");
    Files.createDirectories(noRoot.resolve("bootfs"));
    Files.writeString(noRoot.resolve("bootfs/cmdline.txt"), "console=tty1\n");
    Files.writeString(noRoot.resolve("bootfs/config.txt"), "arm_64bit=1\n");
    Result half = CapCommandTest.amoeba("flash", "--sd", noRoot.toString(), "--bundle", bundle("1.0.0", false).toString());
    assertEquals(1, half.status());
    assertTrue(half.err().contains("no root partition"), half.err());
    assertFalse(Files.exists(noRoot.resolve("rootfs")));
  }

  @Test
  void neitherSshNorSdIsAUsageError() {
    Result r = CapCommandTest.amoeba("flash");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("give either --ssh USER@HOST,... or --sd PATH"), r.err());
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A stand-in Pi: a root folder for its files and a folder of fake commands. */
  static final class Host {
    final Path root;
    final Path bin;

    Host(Path dir) throws IOException {
      root = Files.createDirectories(dir.resolve("root"));
      bin = Files.createDirectories(dir.resolve("bin"));
      Files.createDirectories(root.resolve("proc/device-tree"));
      Files.writeString(root.resolve("proc/device-tree/model"), MODEL + "\0");
      Files.createDirectories(root.resolve("etc"));
      Files.writeString(root.resolve("etc/os-release"),
          "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_CODENAME=bookworm\n");
      String r = root.toString();
      script("systemctl", "echo \"$*\" >> " + r + "/systemctl.log\n"
          + "case \"$1\" in\n"
          + "  is-active) [ -e " + r + "/active ] ;;\n"
          + "  restart) if [ -e \"$(readlink -f " + r + "/opt/amoeba/current)/FAIL_START\" ]; then rm -f " + r + "/active;"
          + " echo 'Job for amoeba-board.service failed' >&2; exit 1; fi; touch " + r + "/active ;;\n"
          + "  disable) rm -f " + r + "/active ;;\n"
          + "esac\n");
      script("uname", "case \"$1\" in\n"
          + "  -m) if [ -e " + r + "/fake-arch ]; then cat " + r + "/fake-arch; else echo aarch64; fi ;;\n"
          + "  *) /bin/uname \"$@\" ;;\n"
          + "esac\n");
      script("java", "if [ -e " + r + "/no-java ]; then echo 'java: not found' >&2; exit 127; fi\n"
          + "echo 'openjdk version \"17.0.13\" 2024-10-15' >&2\n");
      script("apt-get", "echo \"$*\" >> " + r + "/apt.log\ncase \"$*\" in *install*) rm -f " + r + "/no-java ;; esac\n");
      script("apt-cache", "exit 0\n");
      script("df", "if [ -e " + r + "/fake-free-kb ]; then echo 'Filesystem 1024-blocks Used Available Capacity Mounted on';"
          + " echo \"/dev/mmcblk0p2 30000000 29999000 $(cat " + r + "/fake-free-kb) 100% /\"; else exec /usr/bin/df \"$@\"; fi\n");
      // 1 GiB of memory, whatever this machine has.
      script("awk", "case \"$*\" in *MemTotal*) echo 1048576 ;; *) exec /usr/bin/awk \"$@\" ;; esac\n");
    }

    private void script(String name, String body) throws IOException {
      Path p = bin.resolve(name);
      Files.writeString(p, "#!/bin/sh\n" + body);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    Path path(String relative) {
      return root.resolve(relative);
    }

    List<String> systemctlCalls() throws IOException {
      Path log = root.resolve("systemctl.log");
      return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    boolean active() {
      return Files.exists(root.resolve("active"));
    }

    /** The flash command line for this host; an option in {@code more} replaces the default one. */
    String[] args(Path bundle, String... more) {
      java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
      options.put("--ssh", user + "@127.0.0.1");
      options.put("--port", Integer.toString(port));
      options.put("--identity", ssh.resolve("client_key").toString());
      options.put("--known-hosts", ssh.resolve("known_hosts").toString());
      options.put("--bundle", bundle.toString());
      options.put("--remote-root", root.toString());
      options.put("--remote-path", bin.toString());
      List<String> flags = new ArrayList<>();
      for (int i = 0; i < more.length; i++) {
        boolean flag = i + 1 == more.length || more[i + 1].startsWith("--");
        if (flag) {
          flags.add(more[i]);
        } else {
          options.put(more[i], more[++i]);
        }
      }
      List<String> a = new ArrayList<>(List.of("flash"));
      options.forEach((k, v) -> a.addAll(List.of(k, v)));
      a.addAll(flags);
      return a.toArray(String[]::new);
    }
  }

  Result flash(Host host, Path bundle, String... more) {
    return CapCommandTest.amoeba(host.args(bundle, more));
  }

  /** A small bundle of the real layout; {@code failStart}: the fake systemctl cannot start it. */
  Path bundle(String version, boolean failStart) throws IOException, InterruptedException {
    Path dir = work.resolve("bundles/" + version + "/amoeba-pi-" + version);
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.resolve("bin"));
      Files.createDirectories(dir.resolve("lib"));
      Files.writeString(dir.resolve("lib/amoeba.jar"), "jar " + version + "\n");
      for (String exe : List.of("bin/amoeba", "bin/amoeba-board")) {
        Files.writeString(dir.resolve(exe), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(dir.resolve(exe), PosixFilePermissions.fromString("rwxr-xr-x"));
      }
      if (failStart) {
        Files.writeString(dir.resolve("FAIL_START"), "");
      }
    }
    Path tar = work.resolve("bundles/amoeba-pi-" + version + ".tar.gz");
    if (!Files.exists(tar)) {
      Process p = new ProcessBuilder("tar", "-czf", tar.toString(), "-C", dir.getParent().toString(), dir.getFileName().toString())
          .redirectErrorStream(true).start();
      assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
    }
    return tar;
  }

  /** bootfs/ with cmdline.txt and config.txt, rootfs/ with etc/os-release: what a desktop mounts. */
  static Path raspberryPiOsCard(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("bootfs"));
    Files.writeString(dir.resolve("bootfs/cmdline.txt"),
        "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait\n");
    Files.writeString(dir.resolve("bootfs/config.txt"), "dtparam=audio=on\narm_64bit=1\n");
    Files.createDirectories(dir.resolve("rootfs/etc/systemd/system"));
    Files.writeString(dir.resolve("rootfs/etc/os-release"),
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_CODENAME=bookworm\n");
    return dir;
  }

  /** Runs a card's firstboot.sh with its rootfs as / and the host's fake commands first on PATH. */
  int runFirstBoot(Path rootfs, Host fakes) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("sh", rootfs.resolve("opt/amoeba/firstboot.sh").toString())
        .redirectErrorStream(true).redirectOutput(work.resolve("firstboot.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("AMOEBA_ROOT", rootfs.toString());
    pb.environment().put("PATH", fakes.bin + ":" + System.getenv("PATH"));
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("firstboot.sh did not finish in 60 s");
    }
    return p.exitValue();
  }

  Properties profile(String name) {
    return PoolProfile.read(name);
  }

  static void keygen(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "flash-test", "-f", file.toString())
        .redirectErrorStream(true).start();
    assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
  }
}
