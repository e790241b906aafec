package amoeba.tools.bench;

import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.ipc.rpc.RpcCounter;
import amoeba.ipc.rpc.RpcMessage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba bench rpc}: raw UDP against RPC, both to the same server process it starts
 * itself ({@code amoeba rpc serve-null --raw}), in the same run. Rows: udp-pingpong and
 * null-rpc (64 B each way; p50/p99/p999 us); rpc-1-thread, rpc-4-threads, rpc-16-threads
 * (null calls per second, each thread one call at a time); udp-bulk (raw 1400-byte datagrams)
 * and rpc-1mib (1 MiB requests, 8-byte replies; MB/s of completed calls).
 */
@Command(
    name = "rpc",
    description = "Null RPC latency, RPC throughput and 1 MiB calls beside raw UDP, on loopback.",
    footer = {"", "For the software path alone: taskset -c 0 bin/amoeba bench rpc"})
public final class RpcBench implements Callable<Integer> {
  static final long MILLI = 1_000_000L;
  static final long CALL_TIMEOUT = 10_000 * MILLI;

  @Option(names = "--json", description = "One JSON object on stdout.")
  boolean json;

  @Option(names = "--count", defaultValue = "20000", description = "Timed round trips per latency row (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--seconds", defaultValue = "2", description = "Seconds per throughput row (default: ${DEFAULT-VALUE}).")
  double seconds;

  @Option(names = "--bulk-mib", defaultValue = "128", description = "MiB sent per bulk row (default: ${DEFAULT-VALUE}).")
  int bulkMib;

  @Option(names = "--server-threads", defaultValue = "4", description = "Threads of the server process (default: ${DEFAULT-VALUE}).")
  int serverThreads;

  @Option(names = "--transport", defaultValue = "udp", description = "Only udp for now (default: ${DEFAULT-VALUE}).")
  String transport;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  private long failed;

  @Override
  public Integer call() throws Exception {
    if (!transport.equals("udp")) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--transport: only udp");
    }
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    int groupPort = 20000 + random.nextInt(30000); // away from a running pool's 7700
    Port getPort = Port.random(random);
    int warmup = Math.max(50_000, count); // long enough for C2 to compile the whole path
    BenchReport report = new BenchReport("rpc");
    List<String> peerArgs =
        List.of("rpc", "serve-null", "--raw", "--get-port", getPort.toString(), "--threads",
            Integer.toString(serverThreads), "--group-port", Integer.toString(groupPort),
            "--pool-key-hex", HexFormat.of().formatHex(key));
    UdpConfig udp = UdpConfig.builder().groupPort(groupPort).build();
    try (PeerProcess peer = PeerProcess.withoutProfile(peerArgs, 20_000);
        FlipBox box =
            new FlipBox(BoxConfig.defaults(1).withPoolKey(key), List.of(new UdpNetwork(udp)),
                random);
        Rpc rpc = new Rpc(box, RpcConfig.defaults(), random)) {
      String[] ready = peer.ready();
      int echoPort = Integer.parseInt(ready[2]);
      int sinkPort = Integer.parseInt(ready[3]);
      long put = getPort.putPort().value();

      report.row("udp-pingpong").latencies(RawUdp.pingPong(echoPort, 64, warmup, count));
      report.row("null-rpc").latencies(nullRpc(rpc, put, warmup, count));

      throughput(rpc, put, 16, seconds / 4); // warm-up of every thread's endpoint and the JIT
      report.row("rpc-1-thread").put("ops_per_s", throughput(rpc, put, 1, seconds));
      report.row("rpc-4-threads").put("ops_per_s", throughput(rpc, put, 4, seconds));
      report.row("rpc-16-threads").put("ops_per_s", throughput(rpc, put, 16, seconds));

      long bulkBytes = (long) bulkMib << 20;
      RawUdp.blast(sinkPort, 1400, 16 << 20); // warm-up
      report.row("udp-bulk").put("mb_per_s", RawUdp.blast(sinkPort, 1400, bulkBytes));
      bulk(rpc, put, 4); // warm-up
      report.row("rpc-1mib").put("mb_per_s", bulk(rpc, put, bulkMib));
      report.row("rpc-failed-calls").put("count", failed);
      report.row("rpc-retransmissions")
          .put("count", rpc.stats().get(RpcCounter.REQUEST_RETRANSMISSIONS));
    }
    double p50 = report.get("null-rpc").get("p50_us") / report.get("udp-pingpong").get("p50_us");
    double scale =
        report.get("rpc-16-threads").get("ops_per_s") / report.get("rpc-1-thread").get("ops_per_s");
    double bulk = report.get("rpc-1mib").get("mb_per_s") / report.get("udp-bulk").get("mb_per_s");
    report.note("null-rpc p50 / udp-pingpong p50 = %.2f (target <= 1.2 as is, <= 2.0 under taskset -c 0)", p50);
    report.note("rpc-16-threads / rpc-1-thread = %.2f (target >= 4)", scale);
    report.note("rpc-1mib / udp-bulk = %.2f", bulk);
    PrintWriter out = spec.commandLine().getOut();
    report.print(out, json);
    return 0;
  }

  private static RpcMessage echo(long put, ByteBuffer data) {
    return new RpcMessage().port(put).command(NullServer.ECHO).data(data);
  }

  static Latencies nullRpc(Rpc rpc, long put, int warmup, int count) throws IOException {
    RpcMessage rq = echo(put, ByteBuffer.allocate(64));
    Latencies lat = new Latencies(count);
    for (int i = 0; i < warmup + count; i++) {
      long t0 = System.nanoTime();
      RpcMessage reply = rpc.trans(rq, CALL_TIMEOUT);
      long t1 = System.nanoTime();
      if (!reply.ok()) {
        throw new IOException("null RPC " + i + " failed: " + reply.error().describe());
      }
      if (i >= warmup) {
        lat.record(t1 - t0);
      }
    }
    return lat;
  }

  /** {@code threads} threads calling back to back for {@code seconds}: calls per second. */
  private double throughput(Rpc rpc, long put, int threads, double seconds)
      throws InterruptedException {
    AtomicLong calls = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    long[] window = new long[2];
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        RpcMessage rq = echo(put, ByteBuffer.allocate(64));
        long n = 0;
        try {
          start.await();
          long end = window[1];
          while (System.nanoTime() - end < 0) {
            if (rpc.trans(rq, CALL_TIMEOUT).ok()) {
              n++;
            } else {
              errors.incrementAndGet();
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        calls.addAndGet(n);
        done.countDown();
      }, "bench-client-" + t);
      ts.add(th);
      th.start();
    }
    window[0] = System.nanoTime();
    window[1] = window[0] + (long) (seconds * 1e9);
    start.countDown(); // publishes window to the threads
    done.await();
    long nanos = System.nanoTime() - window[0];
    failed += errors.get();
    return calls.get() * 1e9 / nanos;
  }

  /** {@code mib} calls with 1 MiB of data each; MB/s (10^6) of completed calls. */
  private double bulk(Rpc rpc, long put, int mib) {
    RpcMessage rq = echo(put, ByteBuffer.allocate(1 << 20));
    long done = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < mib; i++) {
      RpcMessage reply = rpc.trans(rq, CALL_TIMEOUT);
      if (reply.ok() && reply.dataLength() == 8 && reply.data().getLong(reply.data().position()) == 1 << 20) {
        done += 1 << 20;
      } else {
        failed++;
      }
    }
    return done * 1000.0 / (System.nanoTime() - t0);
  }
}
