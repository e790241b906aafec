package amoeba.systemtests.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The delay and reordering program (src/test/c/nfqdelay.c, libnetfilter_queue), compiled with
 * gcc into target/ the first time a test needs it, and the check that the machine can run it.
 * The usage and output of the program are described in its source.
 */
public final class NfqDelay {
  static final Path SOURCE = Path.of("src", "test", "c", "nfqdelay.c");
  static final Path BINARY = Path.of("target", "nfqdelay");
  private static final String PROBE_NAMESPACE = "ambnfqprobe";
  private static String reason;
  private static boolean checked;

  private NfqDelay() {}

  /**
   * Why delay faults cannot be injected here, or null if they can: gcc and libnetfilter_queue
   * compile the program, iptables accepts an NFQUEUE rule in a namespace and the program can
   * bind a queue there. Tests that need
   * delay skip with this reason. Checked once per JVM.
   */
  public static synchronized String unavailableReason() {
    if (!checked) {
      checked = true;
      reason = check();
    }
    return reason;
  }

  private static String check() {
    String namespaces = TestHosts.unavailableReason();
    if (namespaces != null) {
      return namespaces;
    }
    if (!Files.isExecutable(Path.of("/usr/sbin/iptables"))) {
      return "/usr/sbin/iptables is missing (apt-get install iptables)";
    }
    try {
      compile();
    } catch (IllegalStateException e) {
      return "cannot compile " + SOURCE + " (apt-get install gcc libnetfilter-queue-dev): "
          + e.getMessage();
    }
    Shell.quietly("ip", "netns", "del", PROBE_NAMESPACE);
    try {
      Shell.run("ip", "netns", "add", PROBE_NAMESPACE);
      try {
        TestHosts.exec(PROBE_NAMESPACE, "iptables", "-A", "OUTPUT", "-p", "udp", "-j", "NFQUEUE",
            "--queue-num", "0", "--queue-bypass");
      } catch (IllegalStateException e) {
        return "iptables has no NFQUEUE target here: " + e.getMessage();
      }
      // SECONDS 0: bind the queue, print "ready", end
      String out = TestHosts.exec(PROBE_NAMESPACE, BINARY.toAbsolutePath().toString(), "0", "0",
          "0", "1", "0", "0", PROBE_NAMESPACE);
      if (!out.startsWith("ready")) {
        return "nfqdelay did not bind a queue: " + out.trim();
      }
    } catch (IllegalStateException e) {
      return "nfqdelay cannot bind a queue (nfnetlink_queue): " + e.getMessage();
    } finally {
      Shell.quietly("ip", "netns", "del", PROBE_NAMESPACE);
    }
    return null;
  }

  /** The compiled program; compiles it if it is missing or older than its source. */
  static synchronized Path binary() {
    compile();
    return BINARY.toAbsolutePath();
  }

  private static void compile() {
    try {
      if (Files.exists(BINARY)
          && Files.getLastModifiedTime(BINARY).compareTo(Files.getLastModifiedTime(SOURCE)) >= 0) {
        return;
      }
      Files.createDirectories(BINARY.getParent());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + SOURCE + ": " + e.getMessage(), e);
    }
    Shell.run("gcc", "-O2", "-Wall", "-Wextra", "-Werror", "-o", BINARY.toString(), SOURCE.toString(),
        "-lnetfilter_queue");
  }
}
