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
import amoeba.kernel.server.ProcessClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba bench migrate}: two boards as child JVMs over UDP on loopback; the counter
 * example runs on one while this process calls it at a steady rate, and moves back and forth
 * between them. Row {@code migrate}: p50_us and max_us of the migrate call (stun, checkpoint,
 * exec there, close here), max_call_us (the longest client call: the pause clients see),
 * failed_calls (calls that returned an error; the client retries them), lost_or_doubled
 * (increments missing or counted twice: must be 0).
 */
@Command(name = "migrate", description = "Migration of the counter server under a steady client load, on loopback.")
public final class MigrateBench implements Callable<Integer> {
  @Option(names = "--json", description = "One JSON object on stdout.")
  boolean json;

  @Option(names = "--moves", defaultValue = "10", description = "Migrations (default: ${DEFAULT-VALUE}).")
  int moves;

  @Option(names = "--rate", defaultValue = "1000", description = "Client calls per second (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--jar", defaultValue = "examples/target/examples-counter.jar",
      description = "The counter example's jar (default: ${DEFAULT-VALUE}).")
  Path jar;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (!Files.isRegularFile(jar)) {
      throw new IOException("no counter jar at " + jar + " (build the examples module)");
    }
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    byte[] key = new byte[32];
    SecureRandom random = new SecureRandom();
    random.nextBytes(key);
    List<String> net = List.of("--group-port", Integer.toString(port), "--pool-key-hex", HexFormat.of().formatHex(key));
    String[] boards = {"m1", "m2"};
    try (PeerProcess a = PeerProcess.withoutProfile(concat(List.of("boot", "--name", boards[0]), net), 30_000);
        PeerProcess b = PeerProcess.withoutProfile(concat(List.of("boot", "--name", boards[1]), net), 30_000);
        FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(key),
            List.of(new UdpNetwork(UdpConfig.builder().groupPort(port).build())), random);
        Rpc rpc = new Rpc(box, RpcConfig.defaults(), random)) {
      ProcessClient processes = new ProcessClient(rpc, 10_000_000_000L);
      report(a, b); // both boards are up ("ready")
      Port get = Port.random(random);
      ProcessClient.Started counter = processes.exec(BoardPorts.owner(key, BoardPorts.PROCESS, boards[0]),
          jar.toAbsolutePath().toString(), List.of(get.toString()), Map.of());
      processes.readOutput(counter.capability(), 0, 0, 0, 5000);

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong calls = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      AtomicLong maxCall = new AtomicLong();
      AtomicLong expected = new AtomicLong(1);
      AtomicLong wrong = new AtomicLong();
      Thread client = new Thread(() -> {
        RpcMessage rq = new RpcMessage();
        long period = 1_000_000_000L / rate;
        long next = System.nanoTime();
        while (!stop.get()) {
          long t0 = System.nanoTime();
          rq.clear().port(get.putPort().value());
          RpcMessage reply = rpc.trans(rq, 10_000_000_000L);
          long took = System.nanoTime() - t0;
          maxCall.accumulateAndGet(took, Math::max);
          if (reply.ok()) {
            calls.incrementAndGet();
            long v = reply.data().getLong(reply.data().position());
            if (v != expected.get()) {
              wrong.incrementAndGet();
            }
            expected.set(v + 1);
          } else {
            failed.incrementAndGet();
          }
          next += period;
          long wait = next - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          } else {
            next = System.nanoTime();
          }
        }
      }, "bench-client");
      client.start();
      Latencies pauses = new Latencies(moves);
      Capability server = BoardPorts.owner(key, BoardPorts.PROCESS, boards[0]);
      int pid = counter.pid();
      for (int i = 0; i < moves; i++) {
        LockSupport.parkNanos(300_000_000L); // load between moves
        String from = boards[i % 2];
        String to = boards[(i + 1) % 2];
        server = BoardPorts.owner(key, BoardPorts.PROCESS, from);
        long t0 = System.nanoTime();
        ProcessClient.Started moved = processes.migrate(server, pid, to);
        pauses.record(System.nanoTime() - t0);
        pid = moved.pid();
      }
      LockSupport.parkNanos(300_000_000L);
      stop.set(true);
      client.join(15_000);
      BenchReport report = new BenchReport("migrate");
      report.row("migrate").put("p50_us", pauses.percentileMicros(50)).put("max_us", pauses.percentileMicros(100))
          .put("max_call_us", maxCall.get() / 1000.0).put("calls", calls.get())
          .put("failed_calls", failed.get()).put("lost_or_doubled", wrong.get());
      report.note("%d moves between two board processes, client at %d calls/s over UDP on loopback", moves, rate);
      report.print(out, json);
      out.flush();
    } catch (RpcException e) {
      throw new IOException(e.getMessage(), e);
    }
    return 0;
  }

  private static void report(PeerProcess a, PeerProcess b) {
    org.tinylog.Logger.debug("boards up: pids {} and {}", a.pid(), b.pid());
  }

  static List<String> concat(List<String> a, List<String> b) {
    return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
  }
}
