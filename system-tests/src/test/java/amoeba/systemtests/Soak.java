package amoeba.systemtests;

import amoeba.systemtests.harness.NfqDelay;
import amoeba.systemtests.harness.Scenario;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Soak mode for release checks ({@code ./mvnw verify -Psoak -Dsoak.minutes=30}): runs every
 * system scenario in turn, each with a fresh seed, in whole rounds until the minutes are up.
 * Every run appends its row to target/scenarios.txt; the first failure or violation ends the
 * soak with that row (and so its seed) in the message. The scale is {@code
 * -Damoeba.system.scale} (1 unless given); {@code -Dsoak.only=NAME,...} runs only those scenarios
 * (the names below), to chase one scenario's rare failure.
 * Not named *Test: only the soak profile runs it.
 */
class Soak {
  /** The scenarios, in the order of one round. */
  static final Map<String, Runnable> SCENARIOS = new java.util.LinkedHashMap<>();

  static {
    SCENARIOS.put("flip-across-hosts",
        () -> new FlipAcrossHostsTest().locateLossPartitionAndGarbageAcrossHosts());
    SCENARIOS.put("rpc-at-most-once",
        () -> new RpcAcrossHostsTest().atMostOnceUnderLossAndAPausedServer());
    SCENARIOS.put("rpc-at-most-once-dup-delay",
        () -> new RpcAcrossHostsTest().atMostOnceUnderDuplicationDelayAndReordering());
    SCENARIOS.put("group-total-order",
        () -> new GroupAcrossHostsTest().everyMemberDeliversAPrefixOfOneSequence());
    SCENARIOS.put("group-total-order-dup-delay",
        () -> new GroupAcrossHostsTest().totalOrderUnderDuplicationDelayAndReordering());
    SCENARIOS.put("board-kill-9", () -> new BoardFailureAcrossHostsTest()
        .aBoardKilledWithKill9IsNoticedByTheOthersAndItsReturnToo());
    SCENARIOS.put("directory-linearizable",
        () -> new DirectoryAcrossHostsTest().registersAreLinearizableUnderLossPartitionAndKill9());
    SCENARIOS.put("bullet-durability",
        () -> new BulletDurabilityAcrossHostsTest().everyCommittedFileIsReadBackAfterAKill9AndRestart());
    SCENARIOS.put("board-kill-mixed-load", () -> new BoardKillUnderMixedLoadAcrossHostsTest()
        .aBoardKilledUnderMixedLoadLosesNothingAndItsServiceComesBackElsewhere());
  }

  @Test
  void everyScenarioWithFreshSeedsUntilTheTimeIsUp() {
    // Every fault must be available: a soak that quietly left some out would pass too easily.
    String reason = NfqDelay.unavailableReason();
    Assumptions.assumeTrue(reason == null, () -> "SKIPPED: the soak needs every fault: " + reason);
    long minutes = Long.getLong("soak.minutes", 30);
    Map<String, Runnable> scenarios = selected(System.getProperty("soak.only", ""));
    long end = System.nanoTime() + minutes * 60_000_000_000L;
    long runs = 0;
    int rounds = 0;
    do { // whole rounds: every scenario runs at least once, the last round may end late
      rounds++;
      for (Map.Entry<String, Runnable> s : scenarios.entrySet()) {
        System.out.println("soak: round " + rounds + ", " + s.getKey());
        s.getValue().run(); // throws with the scenario's row (and seed) on the first failure
        runs++;
      }
    } while (System.nanoTime() < end);
    System.out.printf(java.util.Locale.ROOT,
        "soak: %d scenario runs in %d rounds over %d minutes at scale %d, no violation%n",
        runs, rounds, minutes, Scenario.scale());
  }

  /** The scenarios named in {@code only} (comma-separated; empty: all), in round order. */
  static Map<String, Runnable> selected(String only) {
    if (only.isBlank()) {
      return SCENARIOS;
    }
    Map<String, Runnable> chosen = new java.util.LinkedHashMap<>();
    for (String name : only.split(",")) {
      Runnable r = SCENARIOS.get(name.strip());
      if (r == null) {
        throw new IllegalArgumentException("soak.only: no scenario '" + name.strip() + "'; there are " + SCENARIOS.keySet());
      }
      chosen.put(name.strip(), r);
    }
    return chosen;
  }
}
