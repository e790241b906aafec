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
 * windowed stream it sends itself. Both groups run at once: after a warm-up of at least 10,000
 * rounds each and 15 s, their rounds take turns with the raw ping-pongs of the baseline.
 */
@Command(
    name = "group",
    description = "Group ordered delivery rate and latency beside raw UDP, on loopback.",
    footer = {"", "For the software path alone: taskset -c 0 bin/amoeba bench group"})
public final class GroupBench implements Callable<Integer> {
  static final long MILLI = 1_000_000L;
  private static final int WARMUP_ROUNDS = 10_000;
  private static final long WARMUP_NANOS = 15_000 * MILLI;
  /** Group rounds, then as many raw ping-pongs, in turns. */
  private static final int TURN = 500;

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

  @Option(names = "--pin", description = "Diagnostic (Linux, taskset): the member processes and the echo peer on CPU 0, "
      + "this sending process on CPU 1, so no member takes the sender's CPU, as on a pool with a core per member.")
  boolean pin;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (pin) {
      if (Runtime.getRuntime().availableProcessors() < 2) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--pin needs 2 CPUs");
      }
      pin(ProcessHandle.current().pid(), 1);
    }
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    String keyHex = HexFormat.of().formatHex(key);
    int groupPort = 20000 + random.nextInt(30000); // and the next two; away from a pool's 7700
    BenchReport report = new BenchReport("group");
    List<String> echoArgs = List.of("flip", "echo", "--raw", "--address",
        FlipAddress.toString(FlipAddress.randomPrivate(random)), "--group-port",
        Integer.toString(groupPort), "--pool-key-hex", keyHex);
    try (PeerProcess echo = PeerProcess.withoutProfile(echoArgs, 20_000)) {
      int echoPort = Integer.parseInt(echo.ready()[1]);
      if (pin) {
        pin(echo.pid(), 0);
      }
      BenchReport.Row pingRow = report.row("udp-pingpong");
      Latencies pings = new Latencies(count);
      RawUdp.pingPong(echoPort, size, WARMUP_ROUNDS, 0, pings);
      report.row("udp-multicast").put("ops_per_s", RawUdp.multicastRate(members - 1, size, stream));
      List<PeerProcess> peers = new ArrayList<>();
      List<FlipBox> boxes = new ArrayList<>();
      List<GroupMember> groups = new ArrayList<>();
      try {
        // Both groups (r = 0 and r = 1) at once, so their rounds and the raw ping-pongs can take
        // turns and see the same machine. Each has its own member processes and its own UDP
        // port (this process a box on each): a multicast of one group wakes only its members.
        for (int r = 0; r <= 1; r++) {
          int udpPort = groupPort + 1 + r;
          long port = (random.nextLong() & 0xFFFF_FFFFL) | 0x1000_0000_0000L;
          for (int i = 0; i < members - 1; i++) {
            List<String> args = new ArrayList<>(List.of("group", "member", Long.toHexString(port),
                "--resilience", Integer.toString(r), "--group-port", Integer.toString(udpPort),
                "--pool-key-hex", keyHex));
            if (i == 0) {
              args.add("--create");
            }
            PeerProcess peer = PeerProcess.withoutProfile(args, 20_000);
            peers.add(peer);
            if (pin) {
              pin(peer.pid(), 0);
            }
          }
          FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(key),
              List.of(new UdpNetwork(UdpConfig.builder().groupPort(udpPort).build())), random);
          boxes.add(box);
          groups.add(GroupMember.join(box, port, GroupConfig.defaults().withResilience(r), 5000 * MILLI));
        }
        byte[] payload = new byte[size];
        // The JVMs compile the group path for seconds on 2 busy cores: warm up for rounds and
        // for time. This process's C2 was still busy 10-20 s after start (LogCompilation: ~6 s
        // of compiling between 10 and 15 s, 4 s between 15 and 20; HMAC verify alone took 2.5 s).
        long warmEnd = System.nanoTime() + WARMUP_NANOS;
        for (int n = 0; n < WARMUP_ROUNDS || System.nanoTime() < warmEnd; n++) {
          for (GroupMember g : groups) {
            round(g, payload);
          }
        }
        List<Latencies> lats = List.of(new Latencies(count), new Latencies(count));
        for (int done = 0; done < count; done += TURN) {
          int n = Math.min(TURN, count - done);
          for (int r = 0; r <= 1; r++) {
            for (int i = 0; i < n; i++) {
              lats.get(r).record(round(groups.get(r), payload));
            }
          }
          RawUdp.pingPong(echoPort, size, 10, n, pings);
        }
        for (int r = 0; r <= 1; r++) {
          rate(groups.get(r), stream / 5); // warm-up
          report.row("group-r" + r).put("ops_per_s", rate(groups.get(r), stream))
              .put("p50_us", lats.get(r).percentileMicros(50)).put("p99_us", lats.get(r).percentileMicros(99));
        }
      } finally {
        groups.forEach(GroupMember::close);
        boxes.forEach(FlipBox::close);
        peers.forEach(PeerProcess::close);
      }
      pingRow.latencies(pings);
    }
    double udpP50 = report.get("udp-pingpong").get("p50_us");
    report.note("group-r0 p50 / udp-pingpong p50 = %.2f (target <= 1.5)",
        report.get("group-r0").get("p50_us") / udpP50);
    report.note("group-r0 ops/s / udp-multicast ops/s = %.2f (target >= 0.33)",
        report.get("group-r0").get("ops_per_s") / report.get("udp-multicast").get("ops_per_s"));
    report.note("group-r1 p50 / group-r0 p50 = %.2f (target <= 2)",
        report.get("group-r1").get("p50_us") / report.get("group-r0").get("p50_us"));
    if (pin) {
      report.note("pinned: members and echo peer on CPU 0, this sending process on CPU 1 (a diagnostic; the targets are for the unpinned run)");
    }
    PrintWriter out = spec.commandLine().getOut();
    report.print(out, json);
    return 0;
  }

  /** Binds every thread of process {@code pid} (and those it starts later) to one CPU. */
  private static void pin(long pid, int cpu) throws IOException {
    Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", Integer.toString(cpu), Long.toString(pid))
        .redirectErrorStream(true).start();
    String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    try {
      if (p.waitFor() != 0) {
        throw new IOException("taskset could not pin process " + pid + " to CPU " + cpu + ": " + said);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while pinning", e);
    }
  }

  /** One message: send it, wait for its own ordered delivery; returns the nanoseconds taken. */
  private long round(GroupMember me, byte[] payload) throws IOException {
    long t0 = System.nanoTime();
    long id = me.send(payload);
    while (true) {
      GroupMessage g = me.receive(2000 * MILLI);
      if (g == null) {
        throw new IOException("no ordered delivery within 2 s");
      }
      if (g.senderId() == me.info().memberId() && g.msgId() == id) {
        return System.nanoTime() - t0;
      }
    }
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
