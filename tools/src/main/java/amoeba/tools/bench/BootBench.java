package amoeba.tools.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba bench boot}: starts {@code amoeba boot} as a child JVM several times and
 * measures the time from process start to its "ready" line (its servers answered itself) and
 * its resident set right then (VmRSS from /proc). Row {@code boot}: p50_us, max_us, rss_mb
 * (median). Each board gets a fresh random group port on loopback.
 */
@Command(name = "boot", description = "Time from JVM start to 'ready' and idle RSS of a board, median of several starts.")
public final class BootBench implements Callable<Integer> {
  @Option(names = "--json", description = "One JSON object on stdout.")
  boolean json;

  @Option(names = "--count", defaultValue = "5", description = "Boards started one after another (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--xmx", paramLabel = "SIZE", description = "Heap limit of the boards, e.g. 48m (default: the JVM's).")
  String xmx;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Latencies boot = new Latencies(count);
    List<Double> rss = new ArrayList<>();
    List<String> jvm = xmx == null ? List.of() : List.of("-Xmx" + xmx);
    for (int i = 0; i < count; i++) {
      int port;
      try (DatagramChannel probe = DatagramChannel.open()) {
        probe.bind(new InetSocketAddress("127.0.0.1", 0));
        port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
      }
      long start = System.nanoTime();
      try (PeerProcess p = PeerProcess.withoutProfile(jvm,
          List.of("boot", "--name", "bench" + i, "--group-port", Integer.toString(port)), 30_000)) {
        boot.record(System.nanoTime() - start);
        rss.add(rssMib(p.pid()));
      }
    }
    rss.sort(null);
    BenchReport report = new BenchReport("boot");
    report.row("boot").put("p50_us", boot.percentileMicros(50)).put("max_us", boot.percentileMicros(100))
        .put("rss_mb", rss.get(rss.size() / 2));
    report.note("%d starts of 'amoeba boot'%s; time to 'ready' includes JVM start", count,
        xmx == null ? "" : " with -Xmx" + xmx);
    report.print(out, json);
    out.flush();
    return 0;
  }

  /** VmRSS of a process in MiB, or -1 where /proc is missing. */
  static double rssMib(long pid) throws IOException {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    if (!Files.exists(status)) {
      return -1;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    return -1;
  }
}
