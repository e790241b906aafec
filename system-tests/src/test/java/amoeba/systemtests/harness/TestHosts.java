package amoeba.systemtests.harness;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * K test hosts, each a network namespace {@code amb1..ambK} with {@code eth0} at 10.77.0.i/24,
 * on one bridge in namespace {@code ambsw} (shared/reference/test-hosts.md). While it exists the
 * root namespace has {@code unreachable 10.77.0.0/24}, so a mistake fails instead of sending test
 * traffic out of the machine. {@link #close} removes everything, also after a failed test, and a
 * shutdown hook does the same if the JVM dies first; stale namespaces of a crashed run are
 * removed before creating new ones. The names and the route are machine-wide, so one set of hosts
 * exists at a time: {@link #create} waits for a file lock that {@link #close} (or the end of the
 * JVM) releases, which serialises test runs of several worktrees on one machine.
 */
public final class TestHosts implements AutoCloseable {
  public static final String SUBNET = "10.77.0.0/24";
  public static final String SWITCH = "ambsw";
  /** Bridge name inside the switch namespace; nft rules refer to its ports vs1..vsK. */
  public static final String BRIDGE = "br0";
  private static final int MAX_HOSTS = 9;
  private static final Path LOCK = Path.of("/run/lock/amoeba-test-hosts.lock");

  private final int count;
  private final List<Process> processes = new ArrayList<>();
  private final Thread cleanupHook = new Thread(this::teardown, "test-hosts-cleanup");
  private final FileChannel lock;
  private boolean closed;

  /**
   * Why namespaces cannot be used here, or null if they can: tests call this and skip with the
   * reason (never pass silently).
   */
  /** Skips the calling test class, saying why, where namespaces cannot be made here. */
  public static void assumeAvailable() {
    String reason = unavailableReason();
    org.junit.jupiter.api.Assumptions.assumeTrue(reason == null,
        () -> "SKIPPED: system tests need namespaces: " + reason);
  }

  public static String unavailableReason() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "network namespaces need root (user is " + System.getProperty("user.name") + ")";
    }
    for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/nft")) {
      if (!Files.isExecutable(Path.of(tool))) {
        return tool + " is missing (apt-get install iproute2 nftables)";
      }
    }
    try {
      Shell.run("ip", "netns", "add", "ambprobe");
      Shell.run("ip", "netns", "del", "ambprobe");
    } catch (IllegalStateException e) {
      return "cannot create a network namespace: " + e.getMessage();
    }
    return null;
  }

  private TestHosts(int count, FileChannel lock) {
    this.count = count;
    this.lock = lock;
  }

  /** Creates {@code count} hosts (1..9) on one bridge. */
  public static TestHosts create(int count) {
    if (count < 1 || count > MAX_HOSTS) {
      throw new IllegalArgumentException("1.." + MAX_HOSTS + " hosts");
    }
    FileChannel lock = lockHosts();
    removeStale();
    TestHosts hosts = new TestHosts(count, lock);
    Runtime.getRuntime().addShutdownHook(hosts.cleanupHook);
    try {
      Shell.run("ip", "route", "add", "unreachable", SUBNET);
      Shell.run("ip", "netns", "add", SWITCH);
      Shell.run("ip", "-n", SWITCH, "link", "add", BRIDGE, "type", "bridge", "mcast_snooping", "0");
      Shell.run("ip", "-n", SWITCH, "link", "set", BRIDGE, "up");
      for (int i = 1; i <= count; i++) {
        String ns = name(i);
        Shell.run("ip", "netns", "add", ns);
        Shell.run("ip", "link", "add", "vh" + i, "netns", ns, "type", "veth", "peer", "name", "vs" + i,
            "netns", SWITCH);
        Shell.run("ip", "-n", ns, "link", "set", "vh" + i, "name", "eth0");
        Shell.run("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
        Shell.run("ip", "-n", ns, "link", "set", "eth0", "up");
        Shell.run("ip", "-n", ns, "link", "set", "lo", "up");
        Shell.run("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0");
        Shell.run("ip", "-n", SWITCH, "link", "set", "vs" + i, "master", BRIDGE);
        Shell.run("ip", "-n", SWITCH, "link", "set", "vs" + i, "up");
      }
    } catch (RuntimeException e) {
      hosts.close();
      throw e;
    }
    return hosts;
  }

  /** Waits until no other JVM on this machine holds test hosts; the channel holds the lock. */
  private static FileChannel lockHosts() {
    try {
      Files.createDirectories(LOCK.getParent());
      FileChannel channel = FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        channel.lock();
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
      return channel;
    } catch (IOException e) {
      throw new IllegalStateException("cannot lock " + LOCK + ": " + e.getMessage(), e);
    }
  }

  private static void removeStale() {
    Shell.quietly("ip", "netns", "del", SWITCH);
    for (int i = 1; i <= MAX_HOSTS; i++) {
      Shell.quietly("ip", "netns", "del", name(i));
    }
    Shell.quietly("ip", "route", "del", "unreachable", SUBNET);
  }

  public static String name(int host) {
    return "amb" + host;
  }

  public static String address(int host) {
    return "10.77.0." + host;
  }

  public int count() {
    return count;
  }

  /** Starts {@code command} inside host {@code host}'s namespace; killed on close. */
  public Process start(int host, List<String> command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name(host)));
    full.addAll(command);
    try {
      Process p = new ProcessBuilder(full).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      synchronized (processes) {
        processes.add(p);
      }
      return p;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot start " + String.join(" ", full), e);
    }
  }

  /** Runs an nft script inside the switch namespace. */
  public void nft(String script) {
    exec(SWITCH, "nft", script);
  }

  /** Runs a short administrative command inside {@code namespace}; returns its stdout. */
  public static String exec(String namespace, String... command) {
    String[] full = new String[command.length + 4];
    full[0] = "ip";
    full[1] = "netns";
    full[2] = "exec";
    full[3] = namespace;
    System.arraycopy(command, 0, full, 4, command.length);
    return Shell.run(full);
  }

  @Override
  public void close() {
    teardown();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  private synchronized void teardown() {
    if (closed) {
      return;
    }
    closed = true;
    synchronized (processes) {
      for (Process p : processes) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
    removeStale();
    try {
      lock.close(); // releases the lock
    } catch (IOException e) {
      // the lock goes with the JVM at the latest
    }
  }
}
