package amoeba.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.servers.directory.LinearizabilityChecker;
import amoeba.servers.directory.LinearizabilityChecker.Op;
import amoeba.systemtests.harness.AmoebaProcess;
import amoeba.systemtests.harness.Nemesis;
import amoeba.systemtests.harness.Scenario;
import amoeba.systemtests.harness.TestHosts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The directory is linearizable between real hosts under real faults: three boards (hosts 1..3)
 * each run a directory replica; a client host (4) runs concurrent clients doing reads, writes
 * and compare-and-sets on register rows ({@link RegisterClients}) and records the history. The
 * nemesis adds 3% loss at every switch port, cuts replica b3 away from everyone, heals, then
 * kills b1 with kill -9 and restarts it on its data folder. The Wing-Gong checker decides each
 * row's history (linearizability is per object, so rows are checked apart).
 */
class DirectoryAcrossHostsTest {
  static final String POOL = "b1,b2,b3";
  static final int CLIENT_HOST = 4;

  @BeforeAll
  static void needsNamespaces() {
    TestHosts.assumeAvailable();
  }

  @Test
  void registersAreLinearizableUnderLossPartitionAndKill9() {
    long seed = Scenario.freshSeed();
    Scenario scenario = new Scenario("directory-linearizable", seed);
    scenario.run(() -> linearizable(scenario, seed));
  }

  static void linearizable(Scenario scenario, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    String key = Scenario.poolKeyHex(random);
    int threads = 3;
    // Every phase waits for this many completed operations; the clients run until stopped.
    int perPhase = 10 * Scenario.scale();
    int maxOps = 2_000 * Scenario.scale(); // per client: bounds a run whose phases stall
    Path data = freshFolder(Path.of("target", "directory-across-hosts"));
    try (TestHosts hosts = TestHosts.create(CLIENT_HOST)) {
      Nemesis nemesis = new Nemesis(hosts, random.nextLong());
      List<AmoebaProcess> boards = new ArrayList<>();
      for (int h = 1; h <= 3; h++) {
        boards.add(board(hosts, h, key, data));
      }
      for (AmoebaProcess b : boards) {
        b.awaitLine("ready", 30_000);
      }
      AmoebaProcess clients = AmoebaProcess.startMain(hosts, CLIENT_HOST, RegisterClients.class.getName(),
          Long.toString(random.nextLong()), Integer.toString(threads), Integer.toString(maxOps), "2",
          Long.toString(120L * Scenario.scale()), key, TestHosts.address(CLIENT_HOST));
      try {
        clients.awaitLine("ready", 60_000);
      } catch (IllegalStateException e) {
        // Seen once in 10 soak rounds (fresh boards, no fault yet): say what the boards said.
        throw new AssertionError("the directory never answered the clients: " + e.getMessage()
            + tails(boards), e);
      }

      for (int h = 1; h <= CLIENT_HOST; h++) {
        nemesis.loss(h, 3);
      }
      scenario.fault("loss=3%@all");
      awaitOps(clients, perPhase * threads, o -> true, "operations under loss", boards);

      long cut = System.nanoTime();
      nemesis.partition(3, 1, 2, CLIENT_HOST);
      scenario.fault("partition=b3|rest");
      awaitOps(clients, perPhase, o -> !o.unknown() && o.invokeNanos() > cut,
          "operations completed while b3 was cut off", boards);
      nemesis.heal();
      long healed = System.nanoTime();
      awaitOps(clients, perPhase, o -> !o.unknown() && o.invokeNanos() > healed, "operations after the heal",
          boards);

      boards.get(0).signal("KILL");
      scenario.fault("kill-9=b1");
      assertEquals(137, boards.get(0).awaitExit(10_000));
      long killed = System.nanoTime();
      awaitOps(clients, perPhase, o -> !o.unknown() && o.invokeNanos() > killed,
          "operations completed by b2 and b3 while b1 was dead", boards.subList(1, 3));
      AmoebaProcess again = board(hosts, 1, key, data);
      again.awaitLine("ready", 30_000);
      scenario.fault("restart=b1");
      long restarted = System.nanoTime();
      awaitOps(clients, perPhase, o -> !o.unknown() && o.invokeNanos() > restarted,
          "operations after b1's restart", List.of(again, boards.get(1), boards.get(2)));

      assertEquals(143, clients.stop(), "the clients end on SIGTERM: " + clients.lines());
      clients.awaitLine("done", 5_000);
      List<String> lines = clients.lines();
      List<Op> all = lines.stream().filter(l -> l.startsWith("op ")).map(RegisterClients::parse).toList();
      long unknown = all.stream().filter(Op::unknown).count();
      scenario.operations(all.size()).fault("unknown=" + unknown).fault("dropped=" + nemesis.dropped());
      List<String> broken = nonLinearizable(lines);
      scenario.violation(broken.size());
      assertEquals(List.of(), broken, "every row's history is linearizable");
      assertTrue(all.size() - unknown >= 5L * perPhase, "operations completed: " + (all.size() - unknown));
      assertTrue(nemesis.dropped() > 0, "the switch dropped frames");
      again.close();
      boards.forEach(AmoebaProcess::close);
    }
  }

  /**
   * The rows whose history (the op lines of {@link RegisterClients} among {@code lines}) the
   * Wing-Gong checker rejects, each with its operations; linearizability is per object, so rows
   * are checked apart.
   */
  static List<String> nonLinearizable(List<String> lines) {
    Map<String, List<Op>> rows = new TreeMap<>();
    for (String line : lines) {
      if (line.startsWith("op ")) {
        rows.computeIfAbsent(RegisterClients.row(line), r -> new ArrayList<>()).add(RegisterClients.parse(line));
      }
    }
    List<String> broken = new ArrayList<>();
    for (Map.Entry<String, List<Op>> row : rows.entrySet()) {
      if (!LinearizabilityChecker.check(row.getValue())) {
        broken.add(row.getKey() + ": " + row.getValue().stream()
            .sorted(Comparator.comparingLong(Op::invokeNanos)).toList());
      }
    }
    return broken;
  }

  /** A board on {@code host} running a directory replica, its data under {@code data}. */
  static AmoebaProcess board(TestHosts hosts, int host, String key, Path data) {
    return AmoebaProcess.startLogging(hosts, host, FlipAcrossHostsTest.concat(new String[] {"boot",
        "--name", "b" + host, "--data", data.resolve("b" + host).toString(),
        "--service", "dir " + POOL.replace(',', ' ')}, FlipAcrossHostsTest.net(host, key)));
  }

  /**
   * Waits until the clients printed {@code count} operations matching {@code which}; 60 s. A
   * failure says what the clients and the {@code boards} (their last log lines) said.
   */
  static void awaitOps(AmoebaProcess clients, int count, Predicate<Op> which, String what,
      List<AmoebaProcess> boards) {
    Predicate<List<String>> enough = lines -> lines.stream().filter(l -> l.startsWith("op "))
        .map(RegisterClients::parse).filter(which).limit(count).count() >= count;
    if (!clients.awaitOutput(enough, 60_000)) {
      throw new AssertionError(what + ": fewer than " + count + "; clients: " + clients.lines()
          + tails(boards));
    }
  }

  /** Each board's last 40 output lines (boards log INFO to stdout: resets, views, errors). */
  static String tails(List<AmoebaProcess> boards) {
    StringBuilder said = new StringBuilder();
    for (AmoebaProcess b : boards) {
      List<String> lines = b.lines();
      said.append('\n').append(b).append(": ").append(lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
    return said.toString();
  }

  /** An empty folder (the last run's boards' data removed). */
  static Path freshFolder(Path folder) throws IOException {
    if (Files.exists(folder)) {
      try (var walk = Files.walk(folder)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    return Files.createDirectories(folder);
  }
}
