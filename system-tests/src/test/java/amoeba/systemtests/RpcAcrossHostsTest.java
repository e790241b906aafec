package amoeba.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.systemtests.harness.AmoebaProcess;
import amoeba.systemtests.harness.Nemesis;
import amoeba.systemtests.harness.Scenario;
import amoeba.systemtests.harness.TestHosts;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RPC at most once between real hosts under real faults: a server on one host, two clients on
 * two others, 20% loss at the server's switch port and the server paused (SIGSTOP) and resumed
 * mid-run. Checker: the server's executions are at least the clients' successes and at most
 * successes plus failures (a failure may or may not have run), and no request id ran twice.
 */
class RpcAcrossHostsTest {
  static final Pattern CALLS = Pattern.compile("calls ok=(\\d+) failed=(\\d+)");
  static final Pattern EXECUTIONS = Pattern.compile("executions ids=(\\d+) total=(\\d+) twice=(\\d+)");

  @BeforeAll
  static void needsNamespaces() {
    String reason = TestHosts.unavailableReason();
    Assumptions.assumeTrue(reason == null, () -> "SKIPPED: system tests need namespaces: " + reason);
  }

  @Test
  void atMostOnceUnderLossAndAPausedServer() throws Exception {
    long seed = new SplittableRandom().nextLong();
    SplittableRandom random = new SplittableRandom(seed);
    byte[] keyBytes = new byte[32];
    random.nextBytes(keyBytes);
    String key = HexFormat.of().formatHex(keyBytes);
    int calls = 300 * Scenario.scale();
    Scenario scenario = new Scenario("rpc-at-most-once", seed);
    try (TestHosts hosts = TestHosts.create(3)) {
      Nemesis nemesis = new Nemesis(hosts);
      AmoebaProcess server = AmoebaProcess.start(hosts, 1, concat(new String[] {"rpc", "serve-null",
          "--count-executions", "--threads", "2"}, FlipAcrossHostsTest.net(1, key)));
      String putPort = server.awaitLine("ready", 15_000).split(" ")[1];
      nemesis.loss(1, 20);
      scenario.fault("loss=20%@server");
      AmoebaProcess c2 = client(hosts, 2, key, putPort, calls);
      AmoebaProcess c3 = client(hosts, 3, key, putPort, calls);
      c2.awaitLine("started", 15_000);
      server.signal("STOP");
      scenario.fault("pause=server");
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000_000L); // the pause itself
      server.signal("CONT");
      assertEquals(0, c2.awaitExit(300_000));
      assertEquals(0, c3.awaitExit(300_000));
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
      assertTrue(nemesis.dropped() > 0, "the switch dropped frames");
      assertEquals(0, twice, "no request ran twice");
      assertTrue(total >= ok && total <= ok + failed,
          "executions " + total + " within [ok " + ok + ", ok+failed " + (ok + failed) + "]");
    }
    scenario.report();
    assertEquals(0, scenario.violations());
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
