package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.mqtt.Mosquitto;
import amoeba.flip.mqtt.MqttConfig;
import amoeba.flip.mqtt.MqttNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.tools.CapCommandTest.Result;
import amoeba.tools.bench.NullServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI over MQTT against a real mosquitto: an RPC (std info) through a TLS listener with the
 * CA file option; a CA that did not sign the broker's certificate, and a wrong password, end
 * with exit status 1 and one line on stderr.
 */
class MqttCliTest {
  static final int POOL = 61;
  @TempDir Path tmp;
  Mosquitto broker;
  FlipBox box;
  Rpc rpc;
  NullServer server;

  @BeforeEach
  void needsMosquitto() {
    Mosquitto.assumeInstalled();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop();
    }
    if (rpc != null) {
      rpc.close();
    }
    if (box != null) {
      box.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  /** A null server on its own box, attached to {@code broker} with {@code mqtt}. */
  void serve(MqttConfig mqtt) throws IOException {
    SplittableRandom random = new SplittableRandom(61);
    box = new FlipBox(BoxConfig.defaults(POOL), List.of(new MqttNetwork(mqtt)), random.split());
    rpc = new Rpc(box, RpcConfig.defaults(), random.split());
    Port get = Port.random(random);
    server = new NullServer(get.putPort(), random.split());
    server.serve(rpc.server(get), 1);
  }

  static Result amoeba(List<String> args, String... mqtt) {
    String[] all = new String[args.size() + mqtt.length + 4];
    int i = 0;
    for (String a : args) {
      all[i++] = a;
    }
    for (String a : new String[] {"--transport", "mqtt", "--pool-id", Integer.toString(POOL)}) {
      all[i++] = a;
    }
    for (String a : mqtt) {
      all[i++] = a;
    }
    return CapCommandTest.amoeba(all);
  }

  static void assertOneLineFailure(Result r, String expected) {
    assertEquals(1, r.status(), r.out() + r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("amoeba: "), r.err());
    assertTrue(r.err().contains(expected), r.err());
  }

  @Test
  void rpcThroughATlsBrokerWithTheCaFileAndAClearFailureWithAnotherCa() throws Exception {
    broker = Mosquitto.withTls();
    serve(MqttConfig.builder(broker.url()).pool(POOL).caFile(broker.caFile()).build());
    List<String> info = List.of("std", "info", CapabilityText.format(server.owner()));

    Result ok = amoeba(info, "--broker", broker.url(), "--broker-ca", broker.caFile().toString());
    assertEquals(0, ok.status(), ok.err());
    assertEquals("null server object\n", ok.out());

    Path otherCa = Mosquitto.newCa(tmp, "other");
    assertOneLineFailure(
        amoeba(info, "--broker", broker.url(), "--broker-ca", otherCa.toString()),
        "certificate was rejected");
    assertOneLineFailure(amoeba(info, "--broker", broker.url()), "no CA file given");
  }

  @Test
  void aWrongPasswordIsExitStatusOneWithOneLine() throws Exception {
    broker = Mosquitto.withPassword("board", "s3cret");
    serve(MqttConfig.builder(broker.url()).pool(POOL).credentials("board", "s3cret").build());
    List<String> info = List.of("std", "info", CapabilityText.format(server.owner()));
    Path right = Files.writeString(tmp.resolve("right"), "s3cret\n");
    Path wrong = Files.writeString(tmp.resolve("wrong"), "guess\n");

    Result ok = amoeba(info, "--broker", broker.url(), "--broker-user", "board",
        "--broker-password-file", right.toString());
    assertEquals(0, ok.status(), ok.err());
    assertOneLineFailure(amoeba(info, "--broker", broker.url(), "--broker-user", "board",
        "--broker-password-file", wrong.toString()), "wrong password for user 'board'");
  }
}
