package amoeba.tools.bench;

import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.mqtt.MqttConfig;
import amoeba.flip.mqtt.MqttNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.tools.CliFailure;
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
 * {@code amoeba bench mqtt}: through one broker, in the same run, a raw Paho publish -> echo ->
 * receive round trip and a null RPC over FLIP on MQTT (64 B), p50/p99. Both cross the broker
 * four times; the ratio is what FLIP and RPC add.
 */
@Command(
    name = "mqtt",
    description = "RPC over MQTT beside a raw Paho round trip through the same broker.",
    footer = {"", "Without --broker it starts a mosquitto of its own on 127.0.0.1."})
public final class MqttBench implements Callable<Integer> {
  static final long MILLI = 1_000_000L;

  @Option(names = "--json", description = "One JSON object on stdout.")
  boolean json;

  @Option(names = "--broker", paramLabel = "URL", description = "Broker URL, e.g. tcp://127.0.0.1:1883.")
  String broker;

  @Option(names = "--count", defaultValue = "5000", description = "Timed round trips per row (default: ${DEFAULT-VALUE}).")
  int count;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    LocalBroker local = null;
    if (broker == null) {
      local = LocalBroker.startIfInstalled();
      if (local == null) {
        throw new CliFailure("no --broker given and mosquitto is not installed here: "
            + "apt-get install mosquitto, or pass --broker tcp://host:port");
      }
    }
    try {
      return measure(local == null ? broker : local.url());
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  private int measure(String url) throws Exception {
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    int pool = 1000 + random.nextInt(1_000_000); // a topic space of this run's own
    Port getPort = Port.random(random);
    String echoTopic = "amoeba-bench/" + pool + "/paho";
    int warmup = Math.max(2000, count / 2);
    BenchReport report = new BenchReport("mqtt");
    List<String> peerArgs = List.of("rpc", "serve-null", "--transport", "mqtt", "--broker", url,
        "--pool-id", Integer.toString(pool), "--get-port", getPort.toString(),
        "--pool-key-hex", HexFormat.of().formatHex(key), "--paho-echo", echoTopic);
    MqttConfig mqtt = MqttConfig.builder(url).pool(pool).build();
    try (PeerProcess peer = PeerProcess.withoutProfile(peerArgs, 20_000);
        FlipBox box = new FlipBox(BoxConfig.defaults(pool).withPoolKey(key),
            List.of(new MqttNetwork(mqtt)), random);
        Rpc rpc = new Rpc(box, RpcConfig.defaults(), random)) {
      peer.ready(); // the RPC server and the Paho echo are up
      report.row("paho-roundtrip").latencies(RawPaho.pingPong(url, echoTopic, 64, warmup, count));
      report.row("rpc-mqtt").latencies(nullRpc(rpc, getPort.putPort().value(), warmup, count));
    }
    double ratio = report.get("rpc-mqtt").get("p50_us") / report.get("paho-roundtrip").get("p50_us");
    report.note("rpc-mqtt p50 / paho-roundtrip p50 = %.2f (target <= 1.15)", ratio);
    PrintWriter out = spec.commandLine().getOut();
    report.print(out, json);
    return 0;
  }

  private static Latencies nullRpc(Rpc rpc, long put, int warmup, int count) throws IOException {
    RpcMessage rq = new RpcMessage().port(put).command(NullServer.ECHO).data(ByteBuffer.allocate(64));
    Latencies lat = new Latencies(count);
    for (int i = 0; i < warmup + count; i++) {
      long t0 = System.nanoTime();
      RpcMessage reply = rpc.trans(rq, 10_000 * MILLI);
      long t1 = System.nanoTime();
      if (!reply.ok()) {
        throw new IOException("a null RPC over MQTT failed: status " + reply.status());
      }
      reply.release();
      if (i >= warmup) {
        lat.record(t1 - t0);
      }
    }
    return lat;
  }
}
