package amoeba.tools.bench;

import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.flip.wire.FlipAddress;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupMember;
import amoeba.ipc.group.GroupMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba bench group}: raw UDP (ping-pong to a peer process, multicast delivery rate on
 * lo) beside the group's ordered delivery, r = 0 and r = 1, in the same run. The sequencer and
 * the other members are child processes; this process is a non-sequencer member that measures
 * send-to-own-delivery latency (one message at a time) and the rate of ordered deliveries of a
 * windowed stream it sends itself.
 */
@Command(
    name = "group",
    description = "Group ordered delivery rate and latency beside raw UDP, on loopback.",
    footer = {"", "For the software path alone: taskset -c 0 bin/amoeba bench group"})
public final class GroupBench implements Callable<Integer> {
  static final long MILLI = 1_000_000L;

  @Option(names = "--json", description = "One JSON object on stdout.")
  boolean json;

  @Option(names = "--members", defaultValue = "3", description = "Group size, 3 or 5 (default: ${DEFAULT-VALUE}).")
  int members;

  @Option(names = "--size", defaultValue = "64", description = "Message bytes, e.g. 64 or 4096 (default: ${DEFAULT-VALUE}).")
  int size;

  @Option(names = "--count", defaultValue = "5000", description = "Timed round trips per latency row (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--stream", defaultValue = "50000", description = "Messages per throughput row (default: ${DEFAULT-VALUE}).")
  int stream;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    String keyHex = HexFormat.of().formatHex(key);
    int groupPort = 20000 + random.nextInt(30000); // away from a running pool's 7700
    // The group path takes some 10,000 rounds to be compiled (C2) on 2 busy cores: warm up.
    int warmup = Math.max(10_000, count);
    BenchReport report = new BenchReport("group");
    UdpConfig udp = UdpConfig.builder().groupPort(groupPort).build();
    List<String> echoArgs = List.of("flip", "echo", "--raw", "--address",
        FlipAddress.toString(FlipAddress.randomPrivate(random)), "--group-port",
        Integer.toString(groupPort), "--pool-key-hex", keyHex);
    try (PeerProcess echo = PeerProcess.withoutProfile(echoArgs, 20_000)) {
      int echoPort = Integer.parseInt(echo.ready()[1]);
      report.row("udp-pingpong").latencies(RawUdp.pingPong(echoPort, size, warmup, count * 4));
    }
    report.row("udp-multicast").put("ops_per_s", RawUdp.multicastRate(members - 1, size, stream));
    for (int r = 0; r <= 1; r++) {
      long port = (random.nextLong() & 0xFFFF_FFFFL) | 0x1000_0000_0000L;
      String portHex = Long.toHexString(port);
      List<PeerProcess> peers = new ArrayList<>();
      try (FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(key),
          List.of(new UdpNetwork(udp)), random)) {
        for (int i = 0; i < members - 1; i++) {
          List<String> args = new ArrayList<>(List.of("group", "member", portHex,
              "--resilience", Integer.toString(r), "--group-port", Integer.toString(groupPort),
              "--pool-key-hex", keyHex));
          if (i == 0) {
            args.add("--create");
          }
          peers.add(PeerProcess.withoutProfile(args, 20_000));
        }
        GroupConfig cfg = GroupConfig.defaults().withResilience(r);
        try (GroupMember me = GroupMember.join(box, port, cfg, 5000 * MILLI)) {
          Latencies lat = latency(me, warmup, count);
          rate(me, stream / 5); // warm-up
          double rate = rate(me, stream);
          report.row("group-r" + r).put("ops_per_s", rate)
              .put("p50_us", lat.percentileMicros(50)).put("p99_us", lat.percentileMicros(99));
        }
      } finally {
        peers.forEach(PeerProcess::close);
      }
    }
    double udpP50 = report.get("udp-pingpong").get("p50_us");
    report.note("group-r0 p50 / udp-pingpong p50 = %.2f (target <= 1.5)",
        report.get("group-r0").get("p50_us") / udpP50);
    report.note("group-r0 ops/s / udp-multicast ops/s = %.2f (target >= 0.33)",
        report.get("group-r0").get("ops_per_s") / report.get("udp-multicast").get("ops_per_s"));
    report.note("group-r1 p50 / group-r0 p50 = %.2f (target <= 2)",
        report.get("group-r1").get("p50_us") / report.get("group-r0").get("p50_us"));
    PrintWriter out = spec.commandLine().getOut();
    report.print(out, json);
    return 0;
  }

  /** One message at a time: send, then wait for its own ordered delivery. */
  private Latencies latency(GroupMember me, int warmup, int n) throws IOException {
    Latencies lat = new Latencies(n);
    byte[] msg = new byte[size];
    for (int i = 0; i < warmup + n; i++) {
      long t0 = System.nanoTime();
      long id = me.send(msg);
      while (true) {
        GroupMessage g = me.receive(2000 * MILLI);
        if (g == null) {
          throw new IOException("no ordered delivery within 2 s (round " + i + ")");
        }
        if (g.senderId() == me.info().memberId() && g.msgId() == id) {
          break;
        }
      }
      if (i >= warmup) {
        lat.record(System.nanoTime() - t0);
      }
    }
    return lat;
  }

  /** A windowed stream from this member; ordered deliveries of it per second, here. */
  private double rate(GroupMember me, int n) throws IOException {
    AtomicLong delivered = new AtomicLong();
    AtomicLong lastNs = new AtomicLong();
    Thread receiver = new Thread(() -> {
      while (delivered.get() < n) {
        GroupMessage g = me.receive(2000 * MILLI);
        if (g == null) {
          return;
        }
        delivered.incrementAndGet();
        lastNs.set(System.nanoTime());
      }
    }, "bench-deliver");
    receiver.setDaemon(true);
    byte[] msg = new byte[size];
    long t0 = System.nanoTime();
    receiver.start();
    for (int i = 0; i < n; i++) {
      me.send(msg);
    }
    try {
      receiver.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (delivered.get() < n) {
      throw new IOException("only " + delivered.get() + " of " + n + " delivered");
    }
    return n * 1e9 / (lastNs.get() - t0);
  }
}
