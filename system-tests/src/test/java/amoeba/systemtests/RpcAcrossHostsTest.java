package amoeba.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.systemtests.harness.AmoebaProcess;
import amoeba.systemtests.harness.Nemesis;
import amoeba.systemtests.harness.NfqDelay;
import amoeba.systemtests.harness.Scenario;
import amoeba.systemtests.harness.TestHosts;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RPC at most once between real hosts under real faults: a server on one host, two clients on
 * two others. One scenario has 20% loss at the server's switch port and the server paused
 * (SIGSTOP) and resumed mid-run; the other duplicates frames of every host at the switch and
 * delays the server's packets by 10 ms + 0..20 ms jitter, which reorders them and makes clients
 * retransmit. Checker: the server's executions are at least the clients' successes and at most
 * successes plus failures (a failure may or may not have run), and no request id ran twice.
 */
class RpcAcrossHostsTest {
  static final Pattern CALLS = Pattern.compile("calls ok=(\\d+) failed=(\\d+)");
  static final Pattern EXECUTIONS = Pattern.compile("executions ids=(\\d+) total=(\\d+) twice=(\\d+)");

  @BeforeAll
  static void needsNamespaces() {
    TestHosts.assumeAvailable();
  }

  @Test
  void atMostOnceUnderLossAndAPausedServer() {
    long seed = Scenario.freshSeed();
    Scenario scenario = new Scenario("rpc-at-most-once", seed);
    scenario.run(() -> atMostOnce(scenario, seed, (nemesis, server, firstClient) -> {
      nemesis.loss(1, 20);
      scenario.fault("loss=20%@server");
      firstClient.awaitLine("started", 15_000);
      server.signal("STOP");
      scenario.fault("pause=server");
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L); // the pause itself
      server.signal("CONT");
    }, nemesis -> assertTrue(nemesis.dropped() > 0, "the switch dropped frames")));
  }

  @Test
  void atMostOnceUnderDuplicationDelayAndReordering() {
    String reason = NfqDelay.unavailableReason();
    Assumptions.assumeTrue(reason == null, () -> "SKIPPED: delay faults unavailable: " + reason);
    long seed = Scenario.freshSeed();
    Scenario scenario = new Scenario("rpc-at-most-once-dup-delay", seed);
    scenario.run(() -> atMostOnce(scenario, seed, (nemesis, server, firstClient) -> {
      for (int h = 1; h <= 3; h++) {
        nemesis.duplicate(h, 20);
      }
      scenario.fault("dup=20%@all");
      nemesis.delay(1, 10, 20);
      scenario.fault("delay=10+0..20ms@server");
    }, nemesis -> {
      scenario.fault("duplicated=" + nemesis.duplicated()).fault("delayed=" + nemesis.delayed())
          .fault("reordered=" + nemesis.reordered());
      assertTrue(nemesis.duplicated() > 0, "the switch duplicated frames");
      assertTrue(nemesis.delayed() > 0, "packets were delayed");
      assertTrue(nemesis.reordered() > 0, "packets were reordered");
      assertEquals(0, nemesis.delayDropped(), "the delay program held every packet");
    }));
  }

  /** Injects the scenario's faults once the server and the clients run. */
  interface Faults {
    void inject(Nemesis nemesis, AmoebaProcess server, AmoebaProcess firstClient);
  }

  /**
   * Runs the server on host 1 and 300 x scale calls from hosts 2 and 3 each, with {@code faults};
   * heals, lets {@code evidence} check that the faults happened, then checks at most once.
   */
  static void atMostOnce(Scenario scenario, long seed, Faults faults,
      java.util.function.Consumer<Nemesis> evidence) {
    SplittableRandom random = new SplittableRandom(seed);
    String key = Scenario.poolKeyHex(random);
    int calls = 300 * Scenario.scale();
    try (TestHosts hosts = TestHosts.create(3)) {
      Nemesis nemesis = new Nemesis(hosts, random.nextLong());
      AmoebaProcess server = AmoebaProcess.start(hosts, 1, concat(new String[] {"rpc", "serve-null",
          "--count-executions", "--threads", "2"}, FlipAcrossHostsTest.net(1, key)));
      String putPort = server.awaitLine("ready", 15_000).split(" ")[1];
      AmoebaProcess c2 = client(hosts, 2, key, putPort, calls);
      AmoebaProcess c3 = client(hosts, 3, key, putPort, calls);
      faults.inject(nemesis, server, c2);
      assertEquals(0, c2.awaitExit(300_000));
      assertEquals(0, c3.awaitExit(300_000));
      nemesis.heal();
      evidence.accept(nemesis);
      long[] r2 = calls(c2);
      long[] r3 = calls(c3);
      long ok = r2[0] + r3[0];
      long failed = r2[1] + r3[1];
      scenario.operations(ok + failed);
      assertEquals(2L * calls, ok + failed, "every call returned");
      assertEquals(143, server.stop(), "the server ends cleanly on SIGTERM");
      Matcher m = EXECUTIONS.matcher(server.awaitLine("executions", 5_000));
      assertTrue(m.find());
      long total = Long.parseLong(m.group(2));
      long twice = Long.parseLong(m.group(3));
      long violations = twice + (total < ok ? ok - total : 0) + (total > ok + failed ? 1 : 0);
      scenario.violation(violations);
      assertEquals(0, twice, "no request ran twice");
      assertTrue(total >= ok && total <= ok + failed,
          "executions " + total + " within [ok " + ok + ", ok+failed " + (ok + failed) + "]");
    }
  }

  static AmoebaProcess client(TestHosts hosts, int host, String key, String putPort, int calls) {
    // the client prints "started" after its first call, once the server is located
    return AmoebaProcess.start(hosts, host, concat(new String[] {"rpc", "call-loop", putPort,
        "--count", Integer.toString(calls), "--timeout-ms", "3000", "--started"},
        FlipAcrossHostsTest.net(host, key)));
  }

  static long[] calls(AmoebaProcess p) {
    for (String line : p.lines()) {
      Matcher m = CALLS.matcher(line);
      if (m.find()) {
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
      }
    }
    throw new AssertionError("no calls line: " + p.lines());
  }

  static String[] concat(String[] a, String[] b) {
    return FlipAcrossHostsTest.concat(a, b);
  }
}
