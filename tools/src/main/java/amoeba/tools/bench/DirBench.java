package amoeba.tools.bench;

import amoeba.capabilities.Capability;
import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.directory.CapabilitySet;
import amoeba.servers.directory.DirectoryClient;
import amoeba.servers.directory.DirectoryCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba bench dir}: three boards as child JVMs on UDP loopback, each running a directory
 * replica ({@code boot --service 'dir d1 d2 d3'}, data in a temporary folder). Rows, p50/p99 in
 * us: {@code null-rpc} (LEADER, the anonymous command that answers the leader port's address:
 * the same server, port and dispatch without the group, the run's baseline; not STD_TOUCH, which
 * now catches the replica up first), {@code dir-lookup} (a 3-component path, linearizable read) and
 * {@code dir-update} (REPLACE of that row: ordered through the group, r = 1). Every row is warmed
 * up before any is measured; then the rows take turns.
 */
@Command(name = "dir", description = "Directory lookup and update latency against a null RPC, 3 replicas on loopback.")
public final class DirBench implements Callable<Integer> {
  static final long CALL_TIMEOUT = 10_000_000_000L;
  static final String ROW = "/home/bench/x";
  private static final int TURN = 200;

  @Option(names = "--json", description = "One JSON object on stdout.")
  boolean json;

  @Option(names = "--count", defaultValue = "2000", description = "Measured calls per row (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--warmup", defaultValue = "5000", description = "Unmeasured calls per row, all rows before any is measured (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    List<String> boards = List.of("d1", "d2", "d3");
    Path data = Files.createTempDirectory("amoeba-bench-dir");
    List<PeerProcess> peers = new ArrayList<>();
    BenchReport report = new BenchReport("dir");
    try {
      for (String b : boards) {
        peers.add(PeerProcess.withoutProfile(List.of("boot", "--name", b, "--group-port", Integer.toString(port),
            "--pool-key-hex", HexFormat.of().formatHex(key), "--data", data.resolve(b).toString(),
            "--service", "dir " + String.join(" ", boards)), 30_000));
      }
      try (FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(key),
              List.of(new UdpNetwork(UdpConfig.builder().groupPort(port).build())), random);
          Rpc rpc = new Rpc(box, RpcConfig.defaults(), random)) {
        Capability root = BoardPorts.rootDirectory(key);
        DirectoryClient dir = new DirectoryClient(root, rpc, CALL_TIMEOUT);
        awaitDirectory(dir);
        CapabilitySet[] values = {value(1), value(2)};
        dir.enter(ROW, values[0]);
        RpcMessage ping = new RpcMessage().port(root.port().value()).command(DirectoryCommand.LEADER.code());
        int[] i = {0};
        Map<String, Call> rows = new LinkedHashMap<>();
        rows.put("null-rpc", () -> check(rpc.trans(ping, CALL_TIMEOUT)));
        rows.put("dir-update", () -> dir.replace(ROW, values[i[0]++ & 1]));
        rows.put("dir-lookup", () -> dir.lookup(ROW));
        measure(rows, report);
      }
    } finally {
      for (PeerProcess p : peers) {
        p.close();
      }
      try (Stream<Path> files = Files.walk(data)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    double nullP50 = report.get("null-rpc").get("p50_us");
    report.note("dir-lookup p50 / null-rpc p50 = %.2f (target <= 2)", report.get("dir-lookup").get("p50_us") / nullP50);
    report.note("dir-update p50 / null-rpc p50 = %.2f (target <= 4)", report.get("dir-update").get("p50_us") / nullP50);
    PrintWriter out = spec.commandLine().getOut();
    report.print(out, json);
    out.flush();
    return 0;
  }

  interface Call {
    void run() throws Exception;
  }

  /**
   * Warms every row up first (a row measured while another is still being compiled would flatter
   * the ratio: a cold null RPC measured 2x its warm p50), then measures the rows in turns of
   * {@value #TURN} calls, so the machine's drift hits them alike.
   */
  private void measure(Map<String, Call> rows, BenchReport report) throws Exception {
    for (Call call : rows.values()) {
      for (int n = 0; n < warmup; n++) {
        call.run();
      }
    }
    Map<String, Latencies> samples = new LinkedHashMap<>();
    rows.keySet().forEach(name -> samples.put(name, new Latencies(count)));
    for (int done = 0; done < count; done += TURN) {
      for (Map.Entry<String, Call> row : rows.entrySet()) {
        Latencies lat = samples.get(row.getKey());
        for (int n = done; n < Math.min(count, done + TURN); n++) {
          long t0 = System.nanoTime();
          row.getValue().run();
          lat.record(System.nanoTime() - t0);
        }
      }
    }
    samples.forEach((name, lat) -> report.row(name).latencies(lat));
  }

  private static void check(RpcMessage reply) throws IOException {
    if (!reply.ok()) {
      throw new IOException("null RPC failed: " + reply.error().describe());
    }
  }

  private static CapabilitySet value(int object) {
    return CapabilitySet.of(new Capability(new Port(0xBE7CL), object, 0xFF, 0x5EED));
  }

  /** The replicas elect, sync and serve: retry a directory creation for at most 30 s. */
  private static void awaitDirectory(DirectoryClient dir) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        dir.mkdir("/home/bench");
        return;
      } catch (RpcException e) {
        if (e.status() == amoeba.capabilities.ErrorCode.EXISTS.code()) {
          return; // an earlier try got in after all
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("the directory did not answer within 30 s: " + e.getMessage(), e);
        }
        Thread.sleep(100);
      }
    }
  }
}
