package amoeba.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.systemtests.harness.AmoebaProcess;
import amoeba.systemtests.harness.Nemesis;
import amoeba.systemtests.harness.Scenario;
import amoeba.systemtests.harness.TestHosts;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * FLIP between real hosts (network namespaces on a bridge, real IP multicast, TTL 1): boards
 * are found by LOCATE across the bridge; under real loss at the switch traffic still flows and
 * the loss is real; a partition cuts a board off and healing brings it back; random garbage at a
 * board's sockets is dropped and counted while it keeps serving, in bounded memory.
 */
class FlipAcrossHostsTest {
  static final Pattern SUMMARY = Pattern.compile("(\\d+) sent, (\\d+) received");

  @BeforeAll
  static void needsNamespaces() {
    TestHosts.assumeAvailable();
  }

  static String[] net(int host, String key) {
    return new String[] {"--interface", "eth0", "--bind", TestHosts.address(host), "--ttl", "1",
        "--pool-key-hex", key};
  }

  static String[] concat(String[] a, String... b) {
    List<String> all = new ArrayList<>(List.of(a));
    all.addAll(List.of(b));
    return all.toArray(new String[0]);
  }

  static AmoebaProcess echo(TestHosts hosts, int host, String key, String... extra) {
    String[] args = concat(concat(new String[] {"flip", "echo"}, net(host, key)), extra);
    return AmoebaProcess.start(hosts, host, args);
  }

  /** Runs a ping from {@code host}; returns {sent, received} or null when nobody answered. */
  static long[] ping(TestHosts hosts, int host, String key, String address, int count) {
    AmoebaProcess p = AmoebaProcess.start(hosts, host,
        concat(concat(new String[] {"flip", "ping", address, "-q", "-c", Integer.toString(count),
            "-W", "300"}, net(host, key))));
    int status = p.awaitExit(60_000);
    for (String line : p.lines()) {
      Matcher m = SUMMARY.matcher(line);
      if (m.find()) {
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
      }
    }
    assertEquals(1, status, "a ping without summary must have failed: " + p.lines());
    return null;
  }

  @Test
  void locateLossPartitionAndGarbageAcrossHosts() {
    long seed = Scenario.freshSeed();
    Scenario scenario = new Scenario("flip-across-hosts", seed);
    scenario.run(() -> locateLossPartitionAndGarbage(scenario, seed));
  }

  static void locateLossPartitionAndGarbage(Scenario scenario, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    String key = Scenario.poolKeyHex(random);
    int count = 100 * Scenario.scale();
    try (TestHosts hosts = TestHosts.create(4)) {
      Nemesis nemesis = new Nemesis(hosts);
      AmoebaProcess board1 = echo(hosts, 1, key, "--bind-port", "7701");
      AmoebaProcess board2 = echo(hosts, 2, key);
      String a1 = board1.awaitLine("ready", 15_000).split(" ")[1];
      String a2 = board2.awaitLine("ready", 15_000).split(" ")[1];

      long[] clean = ping(hosts, 3, key, a1, count);
      assertEquals(count, clean[1], "no faults: every message answered");
      scenario.operations(clean[0]);

      nemesis.loss(1, 20);
      scenario.fault("loss=20%@host1");
      long[] lossy = ping(hosts, 3, key, a1, count);
      scenario.operations(lossy[0]);
      assertTrue(lossy[1] > 0 && lossy[1] < count, "loss is real but not total: " + lossy[1]);
      assertTrue(nemesis.dropped() > 0, "the switch dropped frames");
      nemesis.heal();

      nemesis.partition(2, 3);
      scenario.fault("partition=2|3");
      assertEquals(null, ping(hosts, 3, key, a2, 3), "a partitioned board is not found");
      long[] other = ping(hosts, 3, key, a1, 10);
      assertEquals(10, other[1], "the rest of the pool still answers");
      nemesis.heal();
      long[] healed = ping(hosts, 3, key, a2, 10);
      assertEquals(10, healed[1], "after healing the board is found again");
      scenario.operations(other[0] + healed[0]);

      long rssBefore = board1.rssKib();
      int garbage = 2000 * Scenario.scale();
      AmoebaProcess sender = startGarbage(hosts, 4, seed, garbage,
          TestHosts.address(1) + ":7701", "239.77.0.1:7700");
      assertEquals(0, sender.awaitExit(120_000), "the garbage sender finished");
      scenario.fault("garbage=" + garbage);
      long[] after = ping(hosts, 3, key, a1, 10);
      assertEquals(10, after[1], "the board serves after the garbage");
      assertTrue(board1.isAlive(), "the board survived the garbage");
      long rssAfter = board1.rssKib();
      assertTrue(rssAfter < rssBefore + 64 * 1024, "memory bounded: " + rssBefore + " -> " + rssAfter + " KiB");

      int status = board1.stop();
      assertEquals(143, status, "SIGTERM ends a board cleanly: " + board1.lines());
      String stats = board1.awaitLine("stats", 5_000);
      long drops = Long.parseLong(stats.replaceAll("^stats drops=(\\d+).*", "$1"));
      assertTrue(drops >= garbage / 2, "garbage was dropped and counted: " + stats);
      board2.stop();
    }
  }

  static AmoebaProcess startGarbage(TestHosts hosts, int host, long seed, int count, String... targets) {
    List<String> args = new ArrayList<>(List.of(Long.toString(seed), Integer.toString(count)));
    args.addAll(List.of(targets));
    return AmoebaProcess.startMain(hosts, host, GarbageSender.class.getName(), args.toArray(new String[0]));
  }
}
