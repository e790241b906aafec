package amoeba.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.systemtests.harness.AmoebaProcess;
import amoeba.systemtests.harness.Nemesis;
import amoeba.systemtests.harness.NfqDelay;
import amoeba.systemtests.harness.Scenario;
import amoeba.systemtests.harness.TestHosts;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Total order between real hosts: three group members on three namespace hosts, each sending.
 * One scenario has 10% loss at one member's switch port; the other duplicates 20% of one
 * member's frames at the switch and delays another member's packets by 10 ms + 0..20 ms jitter,
 * which reorders them. Checker: every member's delivery log is a prefix of one sequence (here:
 * of the longest log), without duplicates, and the longest holds every message sent.
 */
class GroupAcrossHostsTest {
  @BeforeAll
  static void needsNamespaces() {
    TestHosts.assumeAvailable();
  }

  @Test
  void everyMemberDeliversAPrefixOfOneSequence() {
    long seed = Scenario.freshSeed();
    Scenario scenario = new Scenario("group-total-order", seed);
    scenario.run(() -> totalOrder(scenario, seed, nemesis -> {
      nemesis.loss(2, 10);
      scenario.fault("loss=10%@member2");
    }, nemesis -> assertTrue(nemesis.dropped() > 0, "the switch dropped frames")));
  }

  @Test
  void totalOrderUnderDuplicationDelayAndReordering() {
    String reason = NfqDelay.unavailableReason();
    Assumptions.assumeTrue(reason == null, () -> "SKIPPED: delay faults unavailable: " + reason);
    long seed = Scenario.freshSeed();
    Scenario scenario = new Scenario("group-total-order-dup-delay", seed);
    scenario.run(() -> totalOrder(scenario, seed, nemesis -> {
      nemesis.duplicate(2, 20);
      scenario.fault("dup=20%@member2");
      nemesis.delay(3, 10, 20);
      scenario.fault("delay=10+0..20ms@member3");
    }, nemesis -> {
      scenario.fault("duplicated=" + nemesis.duplicated()).fault("delayed=" + nemesis.delayed())
          .fault("reordered=" + nemesis.reordered());
      assertTrue(nemesis.duplicated() > 0, "the switch duplicated frames");
      assertTrue(nemesis.delayed() > 0, "packets were delayed");
      assertTrue(nemesis.reordered() > 0, "packets were reordered");
      assertEquals(0, nemesis.delayDropped(), "the delay program held every packet");
    }));
  }

  /**
   * Injects {@code faults}, runs three members that each send 100 x scale messages, heals, lets
   * {@code evidence} check that the faults happened, then checks the delivery logs.
   */
  static void totalOrder(Scenario scenario, long seed, Consumer<Nemesis> faults,
      Consumer<Nemesis> evidence) {
    SplittableRandom random = new SplittableRandom(seed);
    String key = Scenario.poolKeyHex(random);
    int perMember = 100 * Scenario.scale();
    int seconds = 15 + 5 * Scenario.scale();
    try (TestHosts hosts = TestHosts.create(3)) {
      Nemesis nemesis = new Nemesis(hosts, random.nextLong());
      faults.accept(nemesis);
      List<AmoebaProcess> members = new ArrayList<>();
      for (int h = 1; h <= 3; h++) {
        String[] args = FlipAcrossHostsTest.concat(new String[] {"group", "member", "5a5a5a",
            "--send", Integer.toString(perMember), "--wait-members", "3", "--log",
            "--seconds", Integer.toString(seconds)}, FlipAcrossHostsTest.net(h, key));
        if (h == 1) {
          args = FlipAcrossHostsTest.concat(args, "--create");
        }
        AmoebaProcess p = AmoebaProcess.start(hosts, h, args);
        p.awaitLine("ready", 20_000); // the creator first, so the others can join
        members.add(p);
      }
      List<List<String>> logs = new ArrayList<>();
      for (AmoebaProcess p : members) {
        assertEquals(0, p.awaitExit((seconds + 30) * 1000L), "a member failed: " + p.lines());
        String line = p.awaitLine("log", 5_000);
        String body = line.substring(3).trim();
        logs.add(body.isEmpty() ? List.of() : List.of(body.split(",")));
      }
      nemesis.heal();
      evidence.accept(nemesis);
      List<String> longest = logs.stream().max((a, b) -> a.size() - b.size()).orElseThrow();
      long violations = 0;
      List<String> found = new ArrayList<>();
      for (int m = 0; m < logs.size(); m++) {
        List<String> log = logs.get(m);
        if (!log.equals(longest.subList(0, log.size()))) {
          violations++;
          int at = 0;
          while (log.get(at).equals(longest.get(at))) {
            at++;
          }
          found.add("member " + (m + 1) + " differs at " + at + ": " + log.get(at) + " vs " + longest.get(at));
        }
        if (new HashSet<>(log).size() != log.size()) {
          violations++;
          found.add("member " + (m + 1) + " delivered a message twice");
        }
      }
      scenario.operations(longest.size());
      scenario.violation(violations);
      assertEquals(0, violations, "logs are prefixes of one sequence, without duplicates: " + found);
      assertEquals(3 * perMember, longest.size(), "every message sent was delivered");
    }
  }
}
