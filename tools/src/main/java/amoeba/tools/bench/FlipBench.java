package amoeba.tools.bench;

import amoeba.flip.BoxConfig;
import amoeba.flip.Endpoint;
import amoeba.flip.FlipBox;
import amoeba.flip.Message;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.flip.wire.FlipAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba bench flip}: raw DatagramChannel against FLIP, both to the same peer process,
 * in the same run. Rows: udp-pingpong and flip-pingpong (64 B; p50/p99/p999 us), udp-bulk (raw
 * 1400-byte datagrams) and flip-bulk (16 MiB messages in 1400-byte fragments, each acknowledged
 * by the peer; MB/s counts only acknowledged messages).
 */
@Command(
    name = "flip",
    description = "FLIP ping-pong and bulk throughput beside raw UDP, on loopback.",
    footer = {"", "For the software path alone: taskset -c 0 bin/amoeba bench flip"})
public final class FlipBench implements Callable<Integer> {
  static final long MILLI = 1_000_000L;
  static final int MESSAGE_BYTES = 16 << 20;

  @Option(names = "--json", description = "One JSON object on stdout.")
  boolean json;

  @Option(names = "--count", defaultValue = "20000", description = "Timed round trips per ping-pong row (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--bulk-mib", defaultValue = "128", description = "MiB sent per bulk row (default: ${DEFAULT-VALUE}).")
  int bulkMib;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    int groupPort = 20000 + random.nextInt(30000); // away from a running pool's 7700
    long peerPrivate = FlipAddress.randomPrivate(random);
    int warmup = Math.max(50_000, count); // long enough for C2 to compile the whole path
    BenchReport report = new BenchReport("flip");
    List<String> peerArgs =
        List.of("flip", "echo", "--raw", "--address", FlipAddress.toString(peerPrivate),
            "--group-port", Integer.toString(groupPort), "--pool-key-hex",
            HexFormat.of().formatHex(key));
    UdpConfig udp = UdpConfig.builder().groupPort(groupPort).build();
    try (PeerProcess peer = PeerProcess.withoutProfile(peerArgs, 20_000);
        FlipBox box =
            new FlipBox(BoxConfig.defaults(1).withPoolKey(key), List.of(new UdpNetwork(udp)),
                random)) {
      String[] ready = peer.ready();
      long peerAddress = FlipAddress.publicOf(peerPrivate);
      int echoPort = Integer.parseInt(ready[1]);
      int sinkPort = Integer.parseInt(ready[2]);
      Endpoint e = box.openRandom();
      if (!e.locate(peerAddress, 5000 * MILLI)) {
        throw new IOException("the peer's FLIP endpoint was not found");
      }

      report.row("udp-pingpong").latencies(RawUdp.pingPong(echoPort, 64, warmup, count));
      report.row("flip-pingpong").latencies(pingPong(e, peerAddress, warmup, count));

      long bulkBytes = (long) bulkMib << 20;
      RawUdp.blast(sinkPort, 1400, 16 << 20); // warm-up
      report.row("udp-bulk").put("mb_per_s", RawUdp.blast(sinkPort, 1400, bulkBytes));
      bulk(e, peerAddress, 2); // warm-up
      report.row("flip-bulk").put("mb_per_s", bulk(e, peerAddress, (int) (bulkBytes / MESSAGE_BYTES)));
      report.row("flip-bulk-lost").put("messages", lost);
      report.row("flip-pool-misses").put("count", box.count(amoeba.flip.Traffic.POOL_MISSES));
    }
    double p50Ratio = report.get("flip-pingpong").get("p50_us") / report.get("udp-pingpong").get("p50_us");
    double bulkRatio = report.get("flip-bulk").get("mb_per_s") / report.get("udp-bulk").get("mb_per_s");
    report.note("flip-pingpong p50 / udp-pingpong p50 = %.2f (target <= 1.1 as is, <= 1.5 under taskset -c 0)", p50Ratio);
    report.note("flip-bulk / udp-bulk = %.2f (target >= 0.5)", bulkRatio);
    PrintWriter out = spec.commandLine().getOut();
    report.print(out, json);
    return 0;
  }

  private static Latencies pingPong(Endpoint e, long peer, int warmup, int count)
      throws IOException {
    ByteBuffer msg = ByteBuffer.allocate(64);
    Latencies lat = new Latencies(count);
    for (int i = 0; i < warmup + count; i++) {
      long t0 = System.nanoTime();
      e.send(peer, msg);
      Message m = e.receive(1000 * MILLI);
      long t1 = System.nanoTime();
      if (m == null) {
        throw new IOException("a FLIP ping-pong message was lost (round " + i + ")");
      }
      m.release();
      if (i >= warmup) {
        lat.record(t1 - t0);
      }
    }
    return lat;
  }

  private int lost;

  /** Sends {@code messages} 16 MiB messages one after another, each acknowledged; MB/s. */
  private double bulk(Endpoint e, long peer, int messages) {
    ByteBuffer msg = ByteBuffer.allocate(MESSAGE_BYTES);
    long acked = 0;
    lost = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < messages; i++) {
      e.send(peer, msg);
      Message ack = e.receive(5000 * MILLI);
      if (ack == null) {
        lost++;
        continue;
      }
      if (ack.payload().remaining() == 8 && ack.payload().getLong(0) == MESSAGE_BYTES) {
        acked += MESSAGE_BYTES;
      }
      ack.release();
    }
    long nanos = System.nanoTime() - t0;
    return acked * 1000.0 / nanos;
  }
}
