package amoeba.tools.bench;

import amoeba.capabilities.Capability;
import amoeba.capabilities.StdCommand;
import amoeba.drivers.DeviceClient;
import amoeba.drivers.DeviceCommand;
import amoeba.drivers.DeviceServer;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.BoardPorts;
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
 * {@code amoeba bench gpio}: an emulated board started by the bench ({@code amoeba boot
 * --service devices}, a child JVM on UDP loopback), and from this process, interleaved call by
 * call in the same run: {@code null-rpc} (STD_TOUCH on the board's device server: capability
 * check, no work) and {@code gpio-write} (GPIO_WRITE toggle of the claimed LED: capability and
 * rights check, decode, the HAL write through Pi4J's mock, the reply). Both go to the same
 * server, port and threads, so their difference is the device server's own cost. Rows: p50,
 * p99, p999 in us. Target: gpio-write p50 <= 1.2 x null-rpc p50.
 */
@Command(name = "gpio", description = "Remote GPIO write round trip beside a null RPC to the same device server.")
public final class GpioBench implements Callable<Integer> {
  static final long CALL_TIMEOUT = 10_000_000_000L;

  @Option(names = "--json", description = "One JSON object on stdout.")
  boolean json;

  @Option(names = "--count", defaultValue = "20000", description = "Timed calls per row (default: ${DEFAULT-VALUE}).")
  int count;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    int groupPort = 20000 + random.nextInt(30000); // away from a running pool's 7700
    int warmup = Math.max(25_000, count); // C2 compiles the whole path (each row: 2 x warmup calls)
    BenchReport report = new BenchReport("gpio");
    List<String> board = List.of("boot", "--name", "gbench", "--group-port", Integer.toString(groupPort),
        "--pool-key-hex", HexFormat.of().formatHex(key), "--service", "devices");
    UdpConfig udp = UdpConfig.builder().groupPort(groupPort).build();
    try (PeerProcess peer = PeerProcess.withoutProfile(board, 30_000);
        FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(key), List.of(new UdpNetwork(udp)), random);
        Rpc rpc = new Rpc(box, RpcConfig.defaults(), random)) {
      String name = peer.ready()[0]; // "gbench"
      Capability server = BoardPorts.owner(key, DeviceServer.SERVICE, name);
      DeviceClient client = new DeviceClient(rpc::trans, CALL_TIMEOUT);
      Capability led = claimWhenUp(client, server);
      RpcMessage touch = new RpcMessage().capability(server).command(StdCommand.STD_TOUCH.code());
      RpcMessage toggle = new RpcMessage().capability(led).command(DeviceCommand.GPIO_WRITE.code())
          .data(ByteBuffer.wrap(new byte[] {DeviceCommand.TOGGLE, 0, 0, 0, 0}));
      Latencies nullRpc = new Latencies(count);
      Latencies gpio = new Latencies(count);
      for (int i = 0; i < warmup + count; i++) {
        long t0 = System.nanoTime();
        check(rpc.trans(touch, CALL_TIMEOUT), "null RPC", i);
        long t1 = System.nanoTime();
        check(rpc.trans(toggle, CALL_TIMEOUT), "GPIO write", i);
        long t2 = System.nanoTime();
        if (i >= warmup) {
          nullRpc.record(t1 - t0);
          gpio.record(t2 - t1);
        }
      }
      client.release(led, false);
      report.row("null-rpc").latencies(nullRpc);
      report.row("gpio-write").latencies(gpio);
      report.note("remote GPIO write p50 / null RPC p50 = %.2f (target <= 1.20); %d calls each, interleaved,"
          + " to an emulated board's device server over UDP loopback",
          report.get("gpio-write").get("p50_us") / report.get("null-rpc").get("p50_us"), count);
    }
    PrintWriter out = spec.commandLine().getOut();
    report.print(out, json);
    out.flush();
    return 0;
  }

  /** Claims the LED once the board's device server answers (it starts after "ready"). */
  private static Capability claimWhenUp(DeviceClient client, Capability server) throws IOException {
    RpcException last = null;
    for (int tries = 0; tries < 50; tries++) {
      try {
        return client.claim(server, "led", "amoeba bench gpio", null);
      } catch (RpcException e) {
        last = e;
        try {
          Thread.sleep(200); // the service starts right after the board's "ready"
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw new IOException("the board's device server did not answer: " + (last == null ? "interrupted" : last.getMessage()));
  }

  private static void check(RpcMessage reply, String what, int i) throws IOException {
    if (!reply.ok()) {
      throw new IOException(what + " " + i + " failed: " + reply.error().describe());
    }
  }
}
