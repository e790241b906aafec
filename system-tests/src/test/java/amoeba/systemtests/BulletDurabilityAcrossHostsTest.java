package amoeba.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.systemtests.harness.AmoebaProcess;
import amoeba.systemtests.harness.Nemesis;
import amoeba.systemtests.harness.Scenario;
import amoeba.systemtests.harness.TestHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Committed Bullet files survive a crash: three boards (hosts 1..3) run Bullet servers on their
 * data folders; a client host (4) writes files with 2 replicas each, committed safely, under 2%
 * loss at every switch port, while one board (chosen by the seed) is killed with kill -9 and
 * restarted. At the end every replica of every committed file, read on its own, has the right
 * SHA-256 (the restarted board's included).
 */
class BulletDurabilityAcrossHostsTest {
  static final int CLIENT_HOST = 4;
  static final Pattern VERIFIED = Pattern.compile("verified ok=(\\d+) bad=(\\d+) unreadable=(\\d+)");

  @BeforeAll
  static void needsNamespaces() {
    TestHosts.assumeAvailable();
  }

  @Test
  void everyCommittedFileIsReadBackAfterAKill9AndRestart() {
    long seed = Scenario.freshSeed();
    Scenario scenario = new Scenario("bullet-durability", seed);
    scenario.run(() -> durable(scenario, seed));
  }

  static void durable(Scenario scenario, long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    String key = Scenario.poolKeyHex(random);
    int files = 20 * Scenario.scale();
    int perPhase = Math.max(3, files / 6); // files committed before the kill, while dead, after
    int victim = 1 + random.nextInt(3);
    Path data = DirectoryAcrossHostsTest.freshFolder(Path.of("target", "bullet-across-hosts"));
    try (TestHosts hosts = TestHosts.create(CLIENT_HOST)) {
      Nemesis nemesis = new Nemesis(hosts, random.nextLong());
      List<AmoebaProcess> boards = new ArrayList<>();
      for (int h = 1; h <= 3; h++) {
        boards.add(board(hosts, h, key, data));
      }
      for (AmoebaProcess b : boards) {
        b.awaitLine("ready", 30_000);
      }
      for (int h = 1; h <= CLIENT_HOST; h++) {
        nemesis.loss(h, 2);
      }
      scenario.fault("loss=2%@all");
      AmoebaProcess writer = AmoebaProcess.startMain(hosts, CLIENT_HOST, BulletFiles.class.getName(),
          "write", Long.toString(random.nextLong()), Integer.toString(files), Integer.toString(256 << 10),
          "3", key, TestHosts.address(CLIENT_HOST));
      awaitCommitted(writer, perPhase, "before the kill");

      boards.get(victim - 1).signal("KILL");
      scenario.fault("kill-9=b" + victim);
      assertEquals(137, boards.get(victim - 1).awaitExit(10_000));
      int before = committed(writer.lines()).size();
      awaitCommitted(writer, before + perPhase, "while b" + victim + " was dead");
      AmoebaProcess again = board(hosts, victim, key, data);
      again.awaitLine("ready", 30_000);
      scenario.fault("restart=b" + victim);
      assertEquals(0, writer.awaitExit(300_000L * Scenario.scale()), "the writer failed: " + writer.lines());
      nemesis.heal();
      List<String> committed = committed(writer.lines());
      long failed = writer.lines().stream().filter(l -> l.startsWith("failed ")).count();
      scenario.operations(committed.size() + failed).fault("failed-creates=" + failed)
          .fault("dropped=" + nemesis.dropped());

      Path list = data.resolve("committed.txt");
      Files.write(list, committed);
      AmoebaProcess reader = AmoebaProcess.startMain(hosts, CLIENT_HOST, BulletFiles.class.getName(),
          "verify", list.toAbsolutePath().toString(), "3", key, TestHosts.address(CLIENT_HOST));
      assertEquals(0, reader.awaitExit(300_000L * Scenario.scale()), "the reader failed: " + reader.lines());
      Matcher m = VERIFIED.matcher(reader.awaitLine("verified", 5_000));
      assertTrue(m.find());
      long bad = Long.parseLong(m.group(2));
      long unreadable = Long.parseLong(m.group(3));
      scenario.violation(bad + unreadable);
      List<String> lost = reader.lines().stream().filter(l -> l.startsWith("replica ") && !l.endsWith(" ok")).toList();
      assertEquals(List.of(), lost, "every replica of every committed file reads back intact");
      assertEquals(2L * committed.size(), Long.parseLong(m.group(1)), "both replicas of each file were read");
      assertTrue(committed.size() >= 3L * perPhase, "files were committed: " + committed.size());
      again.close();
      boards.forEach(AmoebaProcess::close);
    }
  }

  static AmoebaProcess board(TestHosts hosts, int host, String key, Path data) {
    return AmoebaProcess.start(hosts, host, FlipAcrossHostsTest.concat(new String[] {"boot",
        "--name", "b" + host, "--data", data.resolve("b" + host).toString(), "--service", "bullet"},
        FlipAcrossHostsTest.net(host, key)));
  }

  static List<String> committed(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("committed ")).toList();
  }

  static void awaitCommitted(AmoebaProcess writer, int count, String when) {
    if (!writer.awaitOutput(lines -> committed(lines).size() >= count, 120_000)) {
      throw new AssertionError("fewer than " + count + " files committed " + when + ": " + writer.lines());
    }
  }
}
