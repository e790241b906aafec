package amoeba.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.CapabilityFormatException;
import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.Port;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.bullet.BulletServer;
import amoeba.servers.directory.LinearizabilityChecker.Kind;
import amoeba.servers.directory.LinearizabilityChecker.Op;
import amoeba.systemtests.harness.AmoebaProcess;
import amoeba.systemtests.harness.Scenario;
import amoeba.systemtests.harness.TestHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One of four boards killed with kill -9 under a mixed load (issue 8's first test). The system
 * servers are placed as {@code amoeba emulate} places them: Bullet on b1..b4, directory
 * replicas on b1..b3, the run server on b1, the boot server on b2. The boot server keeps one
 * instance of the example program {@code echo} running, polled every {@value #POLL_MS} ms,
 * restarted at most once per {@value #RESTART_MS} ms, never on b1 or b2. b4 boots only after
 * the instance has started, so it starts on b3: b3, a directory replica with the service
 * instance and neither the run nor the boot server, is the board killed. (Killing the boot
 * server's board is another case: nothing restarts it here.)
 *
 * <p>A client host (5) runs {@link MixedLoad} throughout: directory reads, writes and CAS,
 * Bullet files (2 replicas, safe) with their SHA-256, reads of earlier files, calls to the echo
 * service. After the kill: the directory answers and applies updates (operations invoked after
 * it), files are committed and read, the service runs again on b4 (the boot server's listing,
 * the board's process list) and answers calls. At the end every committed file reads back with
 * its SHA-256 through its capability set (the live replica) and the directory's histories are
 * linearizable. The row reports the time from the kill to the boot server's restart.
 */
class BoardKillUnderMixedLoadAcrossHostsTest {
  static final int CLIENT_HOST = 5;
  static final int VICTIM = 3;
  /** The service's liveness poll and restart rate: short, so a restart comes soon. */
  static final int POLL_MS = 200;
  static final int RESTART_MS = 1000;
  /**
   * A generous bound on kill -> restart, from the configured interval: a poll period, the poll
   * of the dead board (BootProgram caps it at 2 s), the restart rate and a placement (capped at
   * 15 s), twice over (a first placement may pick a board the run server still thinks alive).
   */
  static final long RESTART_BOUND_MS = 2L * (POLL_MS + 2_000 + RESTART_MS + 15_000);
  static final Pattern INSTANCE = Pattern.compile("\\{\"board\":\"(b\\d+)\",\"pid\":(\\d+),\"health\":\"(\\w+)\"}");
  static final Pattern EVENT = Pattern.compile("\\{\"time_ms\":(\\d+),\"service\":\"echo\",\"text\":\"((?:[^\"\\\\]|\\\\.)*)\"}");
  static final Pattern RESTARTED = Pattern.compile("restarted on (b\\d+) pid (\\d+)");
  static final Pattern START_MS = Pattern.compile("\"start_ms\":(\\d+)");

  @BeforeAll
  static void needsNamespaces() {
    TestHosts.assumeAvailable();
  }

  @Test
  void aBoardKilledUnderMixedLoadLosesNothingAndItsServiceComesBackElsewhere() {
    long seed = Scenario.freshSeed();
    Scenario scenario = new Scenario("board-kill-mixed-load", seed);
    scenario.run(() -> killUnderLoad(scenario, seed));
  }

  static void killUnderLoad(Scenario scenario, long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    String key = Scenario.poolKeyHex(random);
    byte[] portBytes = new byte[6];
    random.nextBytes(portBytes);
    String servicePort = HexFormat.of().formatHex(portBytes); // the echo service's get-port
    int perPhase = 10 * Scenario.scale(); // directory operations before and after the kill
    int files = 3 * Scenario.scale(); // files committed and read before and after
    Path echo = Path.of("..", "examples", "target", "examples-echo.jar").toAbsolutePath().normalize();
    assertTrue(Files.isRegularFile(echo), "built by the examples module: " + echo);
    Path data = DirectoryAcrossHostsTest.freshFolder(Path.of("target", "mixed-load-across-hosts"));
    try (TestHosts hosts = TestHosts.create(CLIENT_HOST)) {
      List<AmoebaProcess> boards = new ArrayList<>();
      for (int h = 1; h <= 3; h++) {
        boards.add(board(hosts, h, key, data));
      }
      for (AmoebaProcess b : boards) {
        b.awaitLine("ready", 30_000);
      }
      // "ready" is the kernel's: the boot server program starts serving after it has found the
      // directory and Bullet (its state lives there), which takes longer on a loaded machine.
      awaitService(hosts, key, l -> true, 60_000, "the boot server answers");
      AmoebaProcess add = cli(hosts, key, "services", "add", "--avoid", "b1", "--avoid", "b2",
          "--poll-ms", Integer.toString(POLL_MS), "--restart-ms", Integer.toString(RESTART_MS), "--", "echo",
          echo.toString(), servicePort);
      assertEquals(0, add.awaitExit(60_000), "services add: " + add.lines());
      awaitService(hosts, key, l -> l.running("b" + VICTIM), 60_000, "the echo service started on b" + VICTIM);
      boards.add(board(hosts, 4, key, data));
      boards.get(3).awaitLine("ready", 30_000);

      AmoebaProcess load = AmoebaProcess.startMain(hosts, CLIENT_HOST, MixedLoad.class.getName(),
          Long.toString(random.nextLong()), "2", "2", "4", Integer.toString(64 << 10),
          Long.toString(300L * Scenario.scale()), servicePort, key, TestHosts.address(CLIENT_HOST));
      load.awaitLine("ready", 60_000);
      Port victimBullet = BoardPorts.owner(HexFormat.of().parseHex(key), BulletServer.SERVICE, "b" + VICTIM).port();
      awaitLoad(load, Long.MIN_VALUE, victimBullet, perPhase, files, false, "before the kill");

      long killedMs = System.currentTimeMillis(); // the boot server's event clock
      long killed = System.nanoTime();
      boards.get(VICTIM - 1).signal("KILL");
      scenario.fault("kill-9=b" + VICTIM);
      assertEquals(137, boards.get(VICTIM - 1).awaitExit(10_000));
      Listing after = awaitService(hosts, key, l -> l.instances().stream().anyMatch(i -> !i.board().equals("b" + VICTIM)),
          RESTART_BOUND_MS, "the echo service restarted on another board");
      Instance moved = after.instances().get(0);
      assertEquals("b4", moved.board(), "b1 and b2 are avoided, b3 is dead: " + after);
      long startedMs; // the new instance's process start, by b4's clock (this machine's)
      try (AmoebaProcess ps = cli(hosts, key, "ps", "--board", moved.board(), "--json")) {
        String line = ps.awaitLine("{\"board\":\"" + moved.board() + "\",\"pid\":" + moved.pid() + ",", 60_000);
        assertTrue(line.contains("\"state\":\"running\""), "b4's process list: " + line);
        Matcher started = START_MS.matcher(line);
        assertTrue(started.find(), line);
        startedMs = Long.parseLong(started.group(1));
      }
      awaitLoad(load, killed, victimBullet, perPhase, files, true, "after the kill");

      assertEquals(143, load.stop(), "the load ends on SIGTERM: " + load.lines());
      load.awaitLine("done", 5_000);
      List<String> lines = load.lines();
      List<Op> ops = lines.stream().filter(l -> l.startsWith("op ")).map(RegisterClients::parse).toList();
      List<Outcome> outcomes = outcomes(lines);
      Since afterKill = Since.of(lines, killed, victimBullet);
      List<String> committed = outcomes.stream().filter(o -> o.is("file", "committed")).map(o -> o.verdict() + " " + o.rest()).toList();
      Path list = data.resolve("committed.txt");
      Files.write(list, committed);
      AmoebaProcess verify = AmoebaProcess.startMain(hosts, CLIENT_HOST, BulletFiles.class.getName(),
          "verify-files", list.toAbsolutePath().toString(), "4", key, TestHosts.address(CLIENT_HOST));
      assertEquals(0, verify.awaitExit(300_000L * Scenario.scale()), "the verifier failed: " + verify.lines());
      Matcher m = BulletDurabilityAcrossHostsTest.VERIFIED.matcher(verify.awaitLine("verified", 5_000));
      assertTrue(m.find());

      List<String> broken = DirectoryAcrossHostsTest.nonLinearizable(lines);
      List<Outcome> wrong = outcomes.stream().filter(o -> o.is("read", "bad") || o.is("echo", "wrong-data")).toList();
      List<String> lost = verify.lines().stream().filter(l -> l.startsWith("file ") && !l.endsWith(" ok")).toList();
      scenario.operations(ops.size() + outcomes.size())
          .fault("unknown=" + ops.stream().filter(Op::unknown).count())
          .fault("failed-creates=" + outcomes.stream().filter(o -> o.is("file", "failed")).count())
          .fault("unreadable-reads=" + outcomes.stream().filter(o -> o.is("read", "unreadable")).count())
          .fault("failed-echoes=" + outcomes.stream().filter(o -> o.kind().equals("echo") && !o.verdict().equals("ok")).count())
          .violation(broken.size() + wrong.size() + lost.size());
      figures(scenario, after, killedMs, startedMs, killed, outcomes);
      scenario.figure("dir_answered_after_kill", afterKill.dirAnswered()).figure("dir_updates_after_kill", afterKill.dirUpdates())
          .figure("files_after_kill", afterKill.committed()).figure("reads_ok_after_kill", afterKill.readsOk())
          .figure("reads_via_live_replica", afterKill.readsOnVictim());
      assertEquals(List.of(), lost, "every committed file reads back with its SHA-256");
      assertEquals(committed.size(), Long.parseLong(m.group(1)), "every committed file was read");
      assertEquals(List.of(), wrong, "no read or echo returned wrong bytes");
      assertEquals(List.of(), broken, "every row's history is linearizable");
      load.close();
      boards.forEach(AmoebaProcess::close);
    }
  }

  /**
   * detect_ms: kill -> the start of the boot server's pass that found the instance dead (its
   * event time; the boards' clocks are this machine's); restart_ms: kill -> the new instance's
   * process start on its board; echo_back_ms: kill -> the first answer to an echo call invoked
   * after the kill.
   */
  static void figures(Scenario scenario, Listing after, long killedMs, long startedMs, long killed,
      List<Outcome> outcomes) {
    Event restarted = after.events().stream().filter(e -> RESTARTED.matcher(e.text()).find()).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no restart event: " + after));
    Event dead = after.events().stream().filter(e -> e.text().startsWith("instance on b" + VICTIM) && e.text().contains("is dead"))
        .findFirst().orElseThrow(() -> new AssertionError("no event of the dead instance: " + after));
    long echoBack = outcomes.stream().filter(o -> o.is("echo", "ok") && o.invoke() > killed)
        .mapToLong(o -> o.response() - killed).min().orElseThrow(() -> new AssertionError("no echo answered after the kill"));
    scenario.figure("detect_ms", dead.timeMs() - killedMs).figure("restart_ms", startedMs - killedMs)
        .figure("echo_back_ms", echoBack / 1_000_000L);
    assertTrue(restarted.timeMs() >= dead.timeMs() && startedMs >= killedMs,
        "restarted after the kill and after the instance was found dead: " + after);
  }

  /** What the load did among the calls invoked after a moment. */
  record Since(long dirAnswered, long dirUpdates, long committed, long readsOk, long readsOnVictim, long echoes) {
    /**
     * @param victimBullet the killed board's Bullet port: reads of files with a replica there
     *     are counted apart (after the kill they must fall back to the live replica)
     */
    static Since of(List<String> lines, long since, Port victimBullet) {
      List<Op> ops = lines.stream().filter(l -> l.startsWith("op ")).map(RegisterClients::parse)
          .filter(o -> !o.unknown() && o.invokeNanos() > since).toList();
      List<Outcome> all = outcomes(lines);
      Set<String> onVictim = new HashSet<>();
      for (Outcome o : all) {
        if (o.is("file", "committed") && hasReplicaOn(o, victimBullet)) {
          onVictim.add(o.rest().split(" ")[0]);
        }
      }
      List<Outcome> recent = all.stream().filter(o -> o.invoke() > since).toList();
      return new Since(ops.size(),
          ops.stream().filter(o -> o.kind() == Kind.WRITE || o.kind() == Kind.CAS && o.succeeded()).count(),
          recent.stream().filter(o -> o.is("file", "committed")).count(),
          recent.stream().filter(o -> o.is("read", "ok")).count(),
          recent.stream().filter(o -> o.is("read", "ok") && onVictim.contains(o.rest())).count(),
          recent.stream().filter(o -> o.is("echo", "ok")).count());
    }

    /** Whether a committed file (rest: I CAPS SHA256) has a replica on the Bullet server at {@code port}. */
    private static boolean hasReplicaOn(Outcome committed, Port port) {
      for (String cap : committed.rest().split(" ")[1].split(",")) {
        try {
          if (CapabilityText.parse(cap).port().equals(port)) {
            return true;
          }
        } catch (CapabilityFormatException e) {
          throw new AssertionError("not a capability: " + committed, e);
        }
      }
      return false;
    }
  }

  /**
   * Waits (60 s) until the load has, among the calls invoked after {@code since}: {@code dirOps}
   * directory operations answered, 3 of them applied updates, {@code files} files committed and
   * read back intact (after the kill: 1 read of a file with a replica on the dead board) and,
   * after the kill, an echo answered. Returns what it had.
   */
  static Since awaitLoad(AmoebaProcess load, long since, Port victimBullet, int dirOps, int files,
      boolean afterKill, String when) {
    Predicate<List<String>> enough = lines -> {
      Since s = Since.of(lines, since, victimBullet);
      return s.dirAnswered() >= dirOps && s.dirUpdates() >= 3 && s.committed() >= files && s.readsOk() >= files
          && (!afterKill || s.readsOnVictim() >= 1 && s.echoes() >= 1);
    };
    if (!load.awaitOutput(enough, 60_000)) {
      List<String> lines = load.lines();
      throw new AssertionError("the load did not get " + dirOps + " directory operations (3 updates), " + files
          + " files committed and read" + (afterKill ? ", a read falling back, an echo" : "") + " " + when + ": "
          + Since.of(lines, since, victimBullet) + "; " + lines);
    }
    return Since.of(load.lines(), since, victimBullet);
  }

  static List<Outcome> outcomes(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("file ") || l.startsWith("read ") || l.startsWith("echo "))
        .map(Outcome::parse).toList();
  }

  /** A line of {@link MixedLoad} other than an op line: KIND INVOKE RESPONSE VERDICT [REST]. */
  record Outcome(String kind, long invoke, long response, String verdict, String rest) {
    static Outcome parse(String line) {
      String[] f = line.split(" ", 5);
      return new Outcome(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], f.length > 4 ? f[4] : "");
    }

    boolean is(String k, String v) {
      return kind.equals(k) && verdict.equals(v);
    }
  }

  record Instance(String board, int pid, String health) {}

  record Event(long timeMs, String text) {}

  /** What `amoeba services ls --json` shows of the echo service (the only one). */
  record Listing(List<Instance> instances, List<Event> events) {
    boolean running(String board) {
      return instances.stream().anyMatch(i -> i.board().equals(board) && i.health().equals("alive"));
    }

    static Listing parse(String json) {
      List<Instance> instances = new ArrayList<>();
      for (Matcher m = INSTANCE.matcher(json); m.find(); ) {
        instances.add(new Instance(m.group(1), Integer.parseInt(m.group(2)), m.group(3)));
      }
      List<Event> events = new ArrayList<>();
      for (Matcher m = EVENT.matcher(json); m.find(); ) {
        events.add(new Event(Long.parseLong(m.group(1)), m.group(2)));
      }
      return new Listing(instances, events);
    }
  }

  /** Asks the boot server (from the client host) until {@code until} holds; fails after {@code timeoutMs}. */
  static Listing awaitService(TestHosts hosts, String key, Predicate<Listing> until, long timeoutMs, String what) {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    List<String> last = List.of();
    do {
      try (AmoebaProcess ls = cli(hosts, key, "services", "ls", "--json")) {
        ls.awaitExit(30_000);
        last = ls.lines();
        for (String line : last) {
          if (line.startsWith("{\"services\":")) {
            Listing l = Listing.parse(line);
            if (until.test(l)) {
              return l;
            }
          }
        }
      }
    } while (System.nanoTime() < deadline);
    throw new AssertionError(what + ": not within " + timeoutMs + " ms; last listing " + last);
  }

  /** {@code amoeba WORDS... [-- ARGS...]} on the client host, the network options before any "--". */
  static AmoebaProcess cli(TestHosts hosts, String key, String... words) {
    List<String> all = new ArrayList<>(List.of(words));
    int end = all.indexOf("--");
    all.addAll(end < 0 ? all.size() : end, List.of(FlipAcrossHostsTest.net(CLIENT_HOST, key)));
    return AmoebaProcess.start(hosts, CLIENT_HOST, all.toArray(String[]::new));
  }

  /**
   * Board b{host} with its data under {@code data}, the servers {@code amoeba emulate} gives it:
   * Bullet everywhere, a directory replica on b1..b3, the run server on b1 (placing on b1..b4,
   * polling every 200 ms), the boot server on b2.
   */
  static AmoebaProcess board(TestHosts hosts, int host, String key, Path data) {
    List<String> args = new ArrayList<>(List.of("boot", "--name", "b" + host, "--data",
        data.resolve("b" + host).toString(), "--service", "bullet"));
    if (host <= 3) {
      args.addAll(List.of("--service", "dir b1 b2 b3"));
    }
    if (host == 1) {
      args.addAll(List.of("--service", "run --poll-ms 200 b1 b2 b3 b4"));
    }
    if (host == 2) {
      args.addAll(List.of("--service", "boot"));
    }
    args.addAll(List.of(FlipAcrossHostsTest.net(host, key)));
    return AmoebaProcess.start(hosts, host, args.toArray(String[]::new));
  }
}
