package amoeba.tools.bench;

import amoeba.capabilities.Capability;
import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessClient;
import amoeba.servers.run.Constraints;
import amoeba.servers.run.Launch;
import amoeba.servers.run.RunClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba bench run}: two boards as child JVMs over UDP on loopback, the first also
 * running the run server ({@code --service 'run r1 r2'}), and a null RPC server
 * ({@code amoeba rpc serve-null}) as the baseline of the same run. Rows: {@code null-rpc}
 * (p50/p99/p999 us, 64 bytes each way) and {@code run-hello} (p50_us, max_us): from the RUN
 * request for the hello example (an absolute jar path) to its first output line read back by
 * READ_OUTPUT long-polls, i.e. what {@code amoeba run hello.jar} costs after the CLI started.
 */
@Command(name = "run", description = "amoeba run of the hello example to its first output line, beside null RPC, on loopback.")
public final class RunBench implements Callable<Integer> {
  static final long TIMEOUT = 10_000_000_000L;

  @Option(names = "--json", description = "One JSON object on stdout.")
  boolean json;

  @Option(names = "--count", defaultValue = "50", description = "Timed runs of hello (default: ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--jar", defaultValue = "examples/target/examples-hello.jar",
      description = "The hello example's jar (default: ${DEFAULT-VALUE}).")
  Path jar;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(jar)) {
      throw new IOException("no hello jar at " + jar + " (build the examples module)");
    }
    String hello = jar.toAbsolutePath().normalize().toString();
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    List<String> net = List.of("--group-port", Integer.toString(port), "--pool-key-hex", HexFormat.of().formatHex(key));
    Port nullPort = Port.random(random);
    BenchReport report = new BenchReport("run");
    try (PeerProcess r1 = PeerProcess.withoutProfile(MigrateBench.concat(List.of("boot", "--name", "r1", "--service", "run r1 r2"), net), 30_000);
        PeerProcess r2 = PeerProcess.withoutProfile(MigrateBench.concat(List.of("boot", "--name", "r2"), net), 30_000);
        PeerProcess nul = PeerProcess.withoutProfile(MigrateBench.concat(List.of("rpc", "serve-null", "--get-port", nullPort.toString()), net), 30_000);
        FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(key),
            List.of(new UdpNetwork(UdpConfig.builder().groupPort(port).build())), random);
        Rpc rpc = new Rpc(box, RpcConfig.defaults(), random)) {
      if (!r1.isAlive() || !r2.isAlive() || !nul.isAlive()) {
        throw new IOException("a peer process ended before the measurement");
      }
      report.row("null-rpc").latencies(RpcBench.nullRpc(rpc, nullPort.putPort().value(), 20_000, 5_000));
      RunClient run = new RunClient(rpc::trans, TIMEOUT);
      ProcessClient processes = new ProcessClient(rpc, TIMEOUT);
      Capability runServer = BoardPorts.owner(key, "run", BoardPorts.POOL);
      Latencies runs = new Latencies(count);
      int warmup = Math.max(10, count / 5);
      for (int i = 0; i < warmup + count; i++) {
        long t0 = System.nanoTime();
        RunClient.Placed placed = run.run(runServer, new Launch(hello, List.of("bench"), Constraints.ANY));
        firstLine(processes, BoardPorts.owner(key, BoardPorts.PROCESS, placed.board()), placed.pid());
        if (i >= warmup) {
          runs.record(System.nanoTime() - t0);
        }
      }
      report.row("run-hello").put("p50_us", runs.percentileMicros(50)).put("max_us", runs.percentileMicros(100));
    }
    report.note("run-hello p50 / null-rpc p50 = %.1f (RUN: placement + exec on the board, which loads the jar; then output long-polls)",
        report.get("run-hello").get("p50_us") / report.get("null-rpc").get("p50_us"));
    PrintWriter out = spec.commandLine().getOut();
    report.print(out, json);
    return 0;
  }

  /** Long-polls the process's stdout until its first line is in. */
  private static void firstLine(ProcessClient processes, Capability server, int pid) throws Exception {
    StringBuilder out = new StringBuilder();
    long offset = 0;
    while (out.indexOf("\n") < 0) {
      ProcessClient.Output o = processes.readOutput(server, pid, offset, 0, 5000);
      out.append(new String(o.out(), java.nio.charset.StandardCharsets.UTF_8));
      offset = o.outEnd();
      if (o.info().state().finished() && o.out().length == 0) {
        throw new IOException("hello ended without a line: " + o.info());
      }
    }
  }
}
