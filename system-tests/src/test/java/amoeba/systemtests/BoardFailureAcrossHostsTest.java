package amoeba.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import amoeba.systemtests.harness.AmoebaProcess;
import amoeba.systemtests.harness.Scenario;
import amoeba.systemtests.harness.TestHosts;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Boards on three hosts watch each other: a board killed with kill -9 is reported down by the
 * others (its sys server stops answering), and up again when it is restarted.
 */
class BoardFailureAcrossHostsTest {
  static final String POOL = "b1,b2,b3";

  @BeforeAll
  static void needsNamespaces() {
    TestHosts.assumeAvailable();
  }

  @Test
  void aBoardKilledWithKill9IsNoticedByTheOthersAndItsReturnToo() {
    long seed = Scenario.freshSeed();
    Scenario scenario = new Scenario("board-kill-9", seed);
    scenario.run(() -> killAndReturn(scenario, seed));
  }

  static void killAndReturn(Scenario scenario, long seed) {
    byte[] keyBytes = new byte[32];
    new SplittableRandom(seed).nextBytes(keyBytes);
    String key = HexFormat.of().formatHex(keyBytes);
    try (TestHosts hosts = TestHosts.create(3)) {
      List<AmoebaProcess> boards = new ArrayList<>();
      for (int h = 1; h <= 3; h++) {
        boards.add(board(hosts, h, key));
      }
      for (AmoebaProcess b : boards) {
        b.awaitLine("ready", 30_000);
      }
      awaitView(hosts, key, 1, "b3", "up");
      boards.get(2).signal("KILL");
      scenario.fault("kill-9=b3");
      assertEquals(137, boards.get(2).awaitExit(10_000));
      awaitView(hosts, key, 1, "b3", "down");
      awaitView(hosts, key, 2, "b3", "down");
      scenario.operations(2);
      try (AmoebaProcess again = board(hosts, 3, key)) {
        again.awaitLine("ready", 30_000);
        awaitView(hosts, key, 1, "b3", "up");
        scenario.operations(1);
      }
      boards.forEach(AmoebaProcess::close);
    }
  }

  static AmoebaProcess board(TestHosts hosts, int host, String key) {
    return AmoebaProcess.start(hosts, host, FlipAcrossHostsTest.concat(new String[] {"boot",
        "--name", "b" + host, "--boards", POOL, "--fail-ms", "2000"}, FlipAcrossHostsTest.net(host, key)));
  }

  /** Asks board {@code host}'s PEERS until {@code board} is {@code state}; fails after 60 s. */
  static void awaitView(TestHosts hosts, String key, int host, String board, String state) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    List<String> last = List.of();
    while (System.nanoTime() < deadline) {
      try (AmoebaProcess ask = AmoebaProcess.start(hosts, host, FlipAcrossHostsTest.concat(
          new String[] {"board", "peers", "b" + host, "--timeout-ms", "2000"}, FlipAcrossHostsTest.net(host, key)))) {
        ask.awaitExit(30_000);
        last = ask.lines();
        if (last.stream().anyMatch(l -> l.startsWith(board + ": " + state + " "))) {
          return;
        }
      }
    }
    throw new AssertionError("b" + host + " never saw " + board + " " + state + "; last answer " + last);
  }
}
