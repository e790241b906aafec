package amoeba.systemtests.harness;

import java.util.Locale;

/**
 * Real faults at the switch (nftables in the switch namespace; the kernel here has no netem):
 * random loss on a host's port, partitions between hosts, and healing. Process faults (kill -9,
 * SIGSTOP/SIGCONT) are on {@link AmoebaProcess}.
 */
public final class Nemesis {
  private final TestHosts hosts;

  public Nemesis(TestHosts hosts) {
    this.hosts = hosts;
    // `fwd` is reserved in nft: the chain is called `fw`.
    hosts.nft("add table bridge fault");
    hosts.nft("add chain bridge fault fw { type filter hook forward priority 0; policy accept; }");
  }

  /** Drops {@code percent}% of the frames host {@code host} sends, at random. */
  public void loss(int host, int percent) {
    hosts.nft(String.format(Locale.ROOT,
        "add rule bridge fault fw iifname \"vs%d\" numgen random mod 100 < %d counter drop",
        host, percent));
  }

  /** Cuts {@code a} from {@code b} both ways (multicast too). */
  public void partition(int a, int b) {
    hosts.nft(String.format(Locale.ROOT,
        "add rule bridge fault fw iifname \"vs%d\" oifname \"vs%d\" counter drop", a, b));
    hosts.nft(String.format(Locale.ROOT,
        "add rule bridge fault fw iifname \"vs%d\" oifname \"vs%d\" counter drop", b, a));
  }

  /** Removes every fault rule. */
  public void heal() {
    hosts.nft("flush chain bridge fault fw");
  }

  /** Frames dropped by the rules now in force (from their counters). */
  public long dropped() {
    String out = Shell.run("ip", "netns", "exec", TestHosts.SWITCH, "nft", "list", "chain", "bridge", "fault", "fw");
    long total = 0;
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("packets (\\d+)").matcher(out);
    while (m.find()) {
      total += Long.parseLong(m.group(1));
    }
    return total;
  }
}
