package amoeba.systemtests.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real network faults (the kernel here has no netem; shared/reference/test-hosts.md):
 *
 * <ul>
 *   <li>loss and partitions: nftables bridge rules at the switch (table {@code bridge fault});
 *   <li>duplication: an nftables netdev ingress chain on a host's switch port that sends a copy
 *       of some frames back out through the bridge ({@code dup to "br0"}, table {@code netdev
 *       dupl}: `dup` is reserved in nft);
 *   <li>delay and reordering: iptables NFQUEUE rules in a host's namespace and the {@link
 *       NfqDelay} program there, which holds each UDP packet for delay + random jitter before
 *       accepting it, so packets whose hold times cross are reordered.
 * </ul>
 *
 * {@link #heal} removes every network fault; the counters ({@link #dropped}, {@link #duplicated},
 * {@link #delayed}, {@link #reordered}) keep what was counted before. Process faults (kill -9,
 * SIGSTOP/SIGCONT) are on {@link AmoebaProcess}. Everything a nemesis starts lives in the test
 * hosts' namespaces and goes with {@link TestHosts#close}.
 */
public final class Nemesis {
  /** Packets one delay program holds at most; beyond that it drops and counts them. */
  static final int MAX_HELD = 4096;

  private static final Pattern PACKETS = Pattern.compile("packets (\\d+)");
  private static final Pattern STATS =
      Pattern.compile("stats delayed=(\\d+) reordered=(\\d+) dropped=(\\d+)");

  private final TestHosts hosts;
  private final SplittableRandom random;
  private final List<Delay> delays = new ArrayList<>();
  private boolean duplicating;
  private long droppedBefore;
  private long duplicatedBefore;
  /** delayed, reordered, dropped by delay programs already stopped. */
  private final long[] delayedBefore = new long[3];

  private record Delay(int host, AmoebaProcess program) {}

  /** {@code seed} drives the delay programs' hold times. */
  public Nemesis(TestHosts hosts, long seed) {
    this.hosts = hosts;
    this.random = new SplittableRandom(seed);
    // `fwd` is reserved in nft: the chain is called `fw`.
    hosts.nft("add table bridge fault");
    hosts.nft("add chain bridge fault fw { type filter hook forward priority 0; policy accept; }");
  }

  public Nemesis(TestHosts hosts) {
    this(hosts, 0);
  }

  /** Drops {@code percent}% of the frames host {@code host} sends, at random. */
  public void loss(int host, int percent) {
    hosts.nft(String.format(Locale.ROOT,
        "add rule bridge fault fw iifname \"vs%d\" %scounter drop", host, chance(percent)));
  }

  /** An nft match true for {@code percent}% of packets (nft takes 0..99 after "<"). */
  private static String chance(int percent) {
    if (percent < 1 || percent > 100) {
      throw new IllegalArgumentException("percent 1..100: " + percent);
    }
    return percent == 100 ? "" : "numgen random mod 100 < " + percent + " ";
  }

  /**
   * Cuts {@code a} from every host of {@code others}, both ways (multicast too), in one nft
   * transaction: all at once. Rule by rule (an nft process each, up to a second apart on a busy
   * host) the cut would pass through asymmetric partitions that are faults of their own (a
   * sequencer that no longer hears one member but still reaches another, see docs).
   */
  public void partition(int a, int... others) {
    StringBuilder script = new StringBuilder();
    for (int b : others) {
      for (int[] way : new int[][] {{a, b}, {b, a}}) {
        script.append(String.format(Locale.ROOT,
            "add rule bridge fault fw iifname \"vs%d\" oifname \"vs%d\" counter drop; ", way[0], way[1]));
      }
    }
    hosts.nft(script.toString());
  }

  /**
   * Duplicates {@code percent}% of the frames host {@code host} sends, at random: at the switch
   * port's ingress a copy goes out through the bridge, which forwards it like the original
   * (unicast to its port, multicast to every port), so the receivers get both.
   */
  public void duplicate(int host, int percent) {
    if (!duplicating) {
      hosts.nft("add table netdev dupl");
      duplicating = true;
    }
    hosts.nft(String.format(Locale.ROOT,
        "add chain netdev dupl in%d { type filter hook ingress device \"vs%d\" priority 0; policy accept; }",
        host, host));
    hosts.nft(String.format(Locale.ROOT,
        "add rule netdev dupl in%d %scounter dup to \"%s\"", host, chance(percent), TestHosts.BRIDGE));
  }

  /**
   * Holds every UDP packet host {@code host} sends or receives on eth0 for {@code ms} plus a
   * uniform random 0..{@code jitterMs} before letting it pass; jitter beyond the gap between
   * packets reorders them. Returns once the program holds the queue. Needs {@link
   * NfqDelay#unavailableReason()} to be null.
   */
  public void delay(int host, int ms, int jitterMs) {
    // Stops by itself after this long even if nobody stops it (TestHosts.close kills it sooner).
    long limitSeconds = 300L * Scenario.scale();
    AmoebaProcess program = AmoebaProcess.startProgram(hosts, host, List.of(
        NfqDelay.binary().toString(), Integer.toString(host), Integer.toString(ms),
        Integer.toString(jitterMs), Integer.toString(MAX_HELD), Long.toString(limitSeconds),
        Long.toString(random.nextLong()), TestHosts.name(host)));
    delays.add(new Delay(host, program));
    program.awaitLine("ready", 10_000);
    queueRules(host, "-A");
  }

  /** Appends ("-A") or deletes ("-D") the rules that send host's eth0 UDP to its queue. */
  private static void queueRules(int host, String action) {
    String queue = Integer.toString(host); // queues are per namespace; the host number names them
    for (String[] chain : new String[][] {{"INPUT", "-i"}, {"OUTPUT", "-o"}}) {
      TestHosts.exec(TestHosts.name(host), "iptables", action, chain[0], chain[1], "eth0", "-p",
          "udp", "-j", "NFQUEUE", "--queue-num", queue, "--queue-bypass");
    }
  }

  /** Removes every network fault: loss, partitions, duplication, delay. */
  public void heal() {
    droppedBefore = dropped();
    hosts.nft("flush chain bridge fault fw");
    if (duplicating) {
      duplicatedBefore = duplicated();
      hosts.nft("delete table netdev dupl");
      duplicating = false;
    }
    for (Delay d : delays) {
      queueRules(d.host(), "-D");
      if (d.program().isAlive()) {
        d.program().stop(); // accepts what it still holds and prints its final counts
      } else {
        d.program().awaitExit(1_000); // ended by its time limit
      }
      long[] counts = delayCounts(d.program());
      for (int i = 0; i < counts.length; i++) {
        delayedBefore[i] += counts[i];
      }
    }
    delays.clear();
  }

  /** Frames dropped by loss and partition rules so far. */
  public long dropped() {
    return droppedBefore + sumPackets("chain", "bridge", "fault", "fw");
  }

  /** Frames duplicated so far. */
  public long duplicated() {
    return duplicatedBefore + (duplicating ? sumPackets("table", "netdev", "dupl") : 0);
  }

  /**
   * Packets held and then passed by the delay programs so far. Exact after {@link #heal}; while
   * they run, as of their last report (at most 100 ms old).
   */
  public long delayed() {
    return delayTotal(0);
  }

  /** Delayed packets that were passed after one that arrived later than they did. */
  public long reordered() {
    return delayTotal(1);
  }

  /** Packets the delay programs dropped because they already held {@link #MAX_HELD}. */
  public long delayDropped() {
    return delayTotal(2);
  }

  private long delayTotal(int index) {
    long total = delayedBefore[index];
    for (Delay d : delays) {
      total += delayCounts(d.program())[index];
    }
    return total;
  }

  /** The last counts a delay program reported: delayed, reordered, dropped. */
  private static long[] delayCounts(AmoebaProcess program) {
    long[] counts = new long[3];
    for (String line : program.lines()) {
      Matcher m = STATS.matcher(line);
      if (m.find()) {
        for (int i = 0; i < counts.length; i++) {
          counts[i] = Long.parseLong(m.group(i + 1));
        }
      }
    }
    return counts;
  }

  /** The sum of the rule counters nft lists for {@code what} in the switch namespace. */
  private static long sumPackets(String... what) {
    String[] command = new String[what.length + 2];
    command[0] = "nft";
    command[1] = "list";
    System.arraycopy(what, 0, command, 2, what.length);
    Matcher m = PACKETS.matcher(TestHosts.exec(TestHosts.SWITCH, command));
    long total = 0;
    while (m.find()) {
      total += Long.parseLong(m.group(1));
    }
    return total;
  }
}
