package amoeba.drivers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Rights;
import amoeba.drivers.hal.Pull;
import amoeba.drivers.sim.SimulatedHal;
import amoeba.drivers.sim.Tmp102;
import amoeba.flip.BoxConfig;
import amoeba.flip.net.FaultyNetwork;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.BoardConfig;
import amoeba.kernel.Kernel;
import amoeba.kernel.api.Program;
import amoeba.kernel.process.KernelProcess;
import amoeba.kernel.process.ProgramStore;
import amoeba.kernel.server.BoardPorts;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every device kind against the simulated HAL through the real RPC path: board b1 runs the
 * device server as its system program "devices"; the client is board b2's RPC (over a
 * FaultyNetwork, lossy where a test says so), both in-JVM over a LoopbackNetwork hub.
 */
class DeviceServerTest {
  static final byte[] KEY = "a pool key for the device tests!".getBytes(StandardCharsets.US_ASCII);
  static final long TIMEOUT = 5_000_000_000L;
  static final List<DeviceSpec> SPECS = List.of(
      DeviceSpec.out("led", 17, false),
      DeviceSpec.in("button", 27, Pull.UP, 0),
      DeviceSpec.pwm("fan", 18, 0),
      DeviceSpec.i2cBus("i2c1", 1),
      DeviceSpec.tmp102("temp", 1, Tmp102.ADDRESS),
      DeviceSpec.mcp3008("adc", 0, 0));

  Kernel b1;
  Kernel b2;
  FaultyNetwork b2net;
  SimulatedHal sim;
  DeviceClient client;
  Capability server;
  final BlockingQueue<DeviceServer> started = new ArrayBlockingQueue<>(1);
  final BlockingQueue<String> released = new ArrayBlockingQueue<>(16);
  /** What the "claimer" program of b2 claimed (its claim capability). */
  static final BlockingQueue<Capability> CLAIMED = new ArrayBlockingQueue<>(1);

  @BeforeEach
  void boot() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    BoxConfig box = BoxConfig.defaults(1).withPoolKey(KEY);
    sim = new SimulatedHal(System::nanoTime, new SplittableRandom(3));
    sim.attachTmp102(1, Tmp102.ADDRESS);
    Map<String, Supplier<? extends Program>> b1Programs = Map.of("devices", () -> ctx ->
        DeviceServer.run(ctx, sim, SPECS, 20_000_000L, s -> {
          s.onRelease(released::add);
          started.add(s);
        }));
    b1 = Kernel.boot(BoardConfig.emulated("b1", box, List.of(hub.attach("b1")))
        .withPrograms(new BoardConfig.Programs(b1Programs, ProgramStore.NONE)));
    b2net = new FaultyNetwork(hub.attach("b2"), 42);
    Map<String, Supplier<? extends Program>> b2Programs = Map.of("claimer", () -> ctx -> {
      DeviceClient c = new DeviceClient(ctx.ipc()::trans, TIMEOUT);
      Capability self = new CheckScheme(new SecureRandom()).restrict(ctx.self(), Rights.READ);
      Capability led = c.claim(BoardPorts.owner(KEY, DeviceServer.SERVICE, "b1"), "led", "claimer", self);
      c.write(led, DeviceCommand.HIGH);
      CLAIMED.add(led);
      Thread.sleep(Long.MAX_VALUE); // until killed
      return 0;
    });
    b2 = Kernel.boot(BoardConfig.emulated("b2", box, List.of(b2net))
        .withPrograms(new BoardConfig.Programs(b2Programs, ProgramStore.NONE)));
    b1.startService("devices", List.of());
    assertNotNull(started.poll(10, TimeUnit.SECONDS), "the device server started");
    client = new DeviceClient(b2.rpc()::trans, TIMEOUT);
    server = BoardPorts.owner(KEY, DeviceServer.SERVICE, "b1");
  }

  @AfterEach
  void close() {
    b2.close();
    b1.close();
    CLAIMED.clear();
  }

  static ErrorCode code(RpcException e) {
    return e.code().orElseThrow();
  }

  /** A capability of an ended claim: its object is gone (NO_SUCH_OBJECT), or reused (CAPBAD). */
  void assertDead(Capability claim) {
    ErrorCode c = code(assertThrows(RpcException.class, () -> client.read(claim)));
    assertTrue(c == ErrorCode.NO_SUCH_OBJECT || c == ErrorCode.CAPBAD, c.name());
  }

  @Test
  void aClaimGivesTheOwnerCapabilityAndASecondClaimNamesTheHolder() throws Exception {
    Capability led = client.claim(server, "led", "alice (pid 3 on b2)", null);
    assertEquals(Rights.ALL, led.rights());
    assertTrue(client.write(led, DeviceCommand.HIGH));
    assertTrue(sim.level(17), "the LED is lit");
    RpcException e = assertThrows(RpcException.class, () -> client.claim(server, "led", "bob", null));
    assertEquals(ErrorCode.NOTNOW, code(e));
    assertTrue(e.getMessage().contains("b1/led in use by alice (pid 3 on b2)"), e.getMessage());
    assertEquals("alice (pid 3 on b2)", client.list(server).get(0).holder());
    assertEquals("on", client.list(server).get(0).state());
    client.release(led, true);
    assertTrue(sim.level(17), "released keeping its state");
    Capability again = client.claim(server, "led", "bob", null);
    assertNotEquals(led, again);
    assertDead(led);
  }

  @Test
  void aReadOnlyCapabilityCannotWrite() throws Exception {
    Capability led = client.claim(server, "led", "alice", null);
    Capability readOnly = new CheckScheme(new SecureRandom()).restrict(led, DeviceRights.READ);
    assertFalse(client.read(readOnly));
    assertEquals(ErrorCode.DENIED, code(assertThrows(RpcException.class, () -> client.write(readOnly, DeviceCommand.HIGH))));
    assertEquals(ErrorCode.DENIED, code(assertThrows(RpcException.class, () -> client.release(readOnly, false))));
    assertFalse(sim.level(17));
    Capability forged = new Capability(led.port(), led.object(), Rights.ALL, led.check() ^ 1);
    assertEquals(ErrorCode.CAPBAD, code(assertThrows(RpcException.class, () -> client.write(forged, DeviceCommand.HIGH))));
  }

  @Test
  void revokingTheClaimFreesTheDeviceInItsSafeState() throws Exception {
    Capability led = client.claim(server, "led", "alice", null);
    client.write(led, DeviceCommand.HIGH);
    // STD_REVOKE by the owner ends the claim
    amoeba.ipc.rpc.RpcMessage rq = new amoeba.ipc.rpc.RpcMessage().capability(led)
        .command(amoeba.capabilities.StdCommand.STD_REVOKE.code());
    assertTrue(b2.rpc().trans(rq, TIMEOUT).ok());
    assertEquals("led", released.poll(5, TimeUnit.SECONDS));
    assertFalse(sim.level(17), "driven to its safe level");
    assertDead(led);
    // an administrator's REVOKE by name does the same
    Capability fan = client.claim(server, "fan", "alice", null);
    client.pwmSet(fan, 25_000, 6_000);
    client.revoke(server, "fan");
    assertEquals("fan", released.poll(5, TimeUnit.SECONDS));
    assertDead(fan);
    Capability again = client.claim(server, "fan", "bob", null);
    assertEquals(0, client.pwmGet(again)[1], "the fan is off again");
  }

  @Test
  void theClaimEndsWhenTheClaimingProcessDies() throws Exception {
    KernelProcess p = b2.startService("claimer", List.of());
    Capability led = CLAIMED.poll(10, TimeUnit.SECONDS);
    assertNotNull(led);
    assertTrue(sim.level(17));
    assertTrue(client.list(server).get(0).holder().startsWith("claimer"));
    p.kill();
    assertEquals("led", released.poll(10, TimeUnit.SECONDS), "the reaper noticed the death");
    assertFalse(sim.level(17), "safe state");
    assertEquals("", client.list(server).get(0).holder());
    assertDead(led);
  }

  @Test
  void shutdownDrivesEveryDeviceToItsSafeState() throws Exception {
    Capability led = client.claim(server, "led", "alice", null);
    client.write(led, DeviceCommand.HIGH);
    assertTrue(sim.level(17));
    b1.close();
    assertTrue(sim.awaitClosed(10, TimeUnit.SECONDS), "the HAL was closed");
    assertFalse(sim.level(17), "the LED went dark before the HAL closed");
  }

  @Test
  void edgesReachTheSubscriberOnceEachInOrderUnderLoss() throws Exception {
    b2net.setLossProbability(0.2);
    Capability button = client.claim(server, "button", "watcher", null);
    Capability watchOnly = new CheckScheme(new SecureRandom()).restrict(button, DeviceRights.WATCH);
    int clicks = 20;
    CompletableFuture<List<DeviceClient.Edge>> seen = CompletableFuture.supplyAsync(() -> {
      List<DeviceClient.Edge> all = new ArrayList<>();
      long after = 0;
      try {
        for (int polls = 0; all.size() < 2 * clicks && polls < 1000; polls++) {
          DeviceClient.Edges e = client.watch(watchOnly, after, 2_000, 7);
          assertEquals(0, e.lost());
          all.addAll(e.edges());
          if (!e.edges().isEmpty()) {
            after = e.edges().get(e.edges().size() - 1).seq();
          }
        }
      } catch (RpcException e) {
        throw new IllegalStateException(e);
      }
      return all;
    });
    for (int i = 0; i < clicks; i++) {
      client.press(server, "button", DeviceCommand.CLICK);
    }
    List<DeviceClient.Edge> all = seen.get(60, TimeUnit.SECONDS);
    assertEquals(2 * clicks, all.size());
    for (int i = 0; i < all.size(); i++) {
      assertEquals(i + 1, all.get(i).seq(), "once each, in order");
      // pulled up: a press pulls the pin low, letting go lets it rise
      assertEquals(i % 2 == 1, all.get(i).high());
    }
    assertEquals(ErrorCode.DENIED, code(assertThrows(RpcException.class, () -> client.read(watchOnly))));
  }

  @Test
  void pwmI2cSensorAndSpiThroughTheServer() throws Exception {
    Capability fan = client.claim(server, "fan", "t", null);
    int[] set = client.pwmSet(fan, 25_000, 4_250);
    assertEquals(25_000, set[0]);
    assertEquals(4_250, client.pwmGet(fan)[1]);
    assertEquals(ErrorCode.BADPARAM, code(assertThrows(RpcException.class, () -> client.pwmSet(fan, 25_000, 10_001))));

    Capability bus = client.claim(server, "i2c1", "t", null);
    byte[] config = client.i2cRead(bus, Tmp102.ADDRESS, Tmp102.CONFIG, 2);
    assertEquals(0x60, config[0] & 0xFF);
    client.i2cWrite(bus, Tmp102.ADDRESS, Tmp102.CONFIG, new byte[] {0x61, 0x00});
    assertEquals(0x61, client.i2cRead(bus, Tmp102.ADDRESS, Tmp102.CONFIG, 2)[0] & 0xFF);
    RpcException nack = assertThrows(RpcException.class, () -> client.i2cRead(bus, 0x49, 0, 2));
    assertTrue(nack.getMessage().contains("no device answers at i2c1 0x49"), nack.getMessage());

    Capability temp = client.claim(server, "temp", "t", null);
    Map<String, String> values = client.sensorRead(temp);
    double c = Double.parseDouble(values.get("temperature_c"));
    double h = Double.parseDouble(values.get("humidity_pct"));
    assertTrue(c >= 15 && c <= 35 && h >= 20 && h <= 80, values.toString());
    assertEquals(ErrorCode.BADPARAM, code(assertThrows(RpcException.class, () -> client.write(temp, 1))),
        "a sensor is no output");

    Capability adc = client.claim(server, "adc", "t", null);
    client.setAnalog(server, "adc", 2, 777);
    assertEquals("777", client.sensorRead(adc).get("ch2"));
    byte[] in = client.spiTransfer(adc, new byte[] {0x01, (byte) (0x80 | (2 << 4)), 0x00});
    assertEquals(777, ((in[1] & 0x03) << 8) | (in[2] & 0xFF));
  }

  @Test
  void badRequestsAreClearErrors() throws Exception {
    RpcException e = assertThrows(RpcException.class, () -> client.claim(server, "lamp", "t", null));
    assertEquals(ErrorCode.NO_SUCH_OBJECT, code(e));
    assertTrue(e.getMessage().contains("b1 has no device lamp (it has: led, button"), e.getMessage());
    Capability button = client.claim(server, "button", "t", null);
    assertEquals(ErrorCode.BADPARAM, code(assertThrows(RpcException.class, () -> client.write(button, 1))));
    assertEquals(ErrorCode.BADPARAM, code(assertThrows(RpcException.class, () -> client.press(server, "led", 1))));
    Capability readOnlyServer = new CheckScheme(new SecureRandom()).restrict(server, DeviceRights.READ);
    assertEquals(6, client.list(readOnlyServer).size());
    assertEquals(ErrorCode.DENIED, code(assertThrows(RpcException.class, () -> client.claim(readOnlyServer, "led", "t", null))));
  }
}
