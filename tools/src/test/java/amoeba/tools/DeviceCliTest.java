package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.tools.CapCommandTest.Result;
import amoeba.tools.bench.PeerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device commands against an emulated board in a child JVM ({@code amoeba boot --service
 * devices}) over UDP loopback, and the board model commands.
 */
class DeviceCliTest {
  PeerProcess board;
  List<String> net;

  @BeforeEach
  void boot() throws IOException {
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    net = List.of("--group-port", Integer.toString(port), "--pool-key-hex", HexFormat.of().formatHex(key));
    List<String> args = new ArrayList<>(List.of("boot", "--name", "b1", "--service", "devices"));
    args.addAll(net);
    board = new PeerProcess(args, 30_000);
  }

  @AfterEach
  void stop() {
    board.close();
  }

  Result amoeba(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(net);
    return CapCommandTest.amoeba(all.toArray(String[]::new));
  }

  /** The first call may come before the device server (started after "ready") serves. */
  Result untilServed(String... args) {
    Result r = amoeba(args);
    for (int tries = 0; r.status() != 0 && r.err().contains("NOTFOUND") && tries < 10; tries++) {
      r = amoeba(args);
    }
    return r;
  }

  @Test
  void gpioSensorPwmAndI2cThroughTheBoardsDeviceServer() {
    Result list = untilServed("board", "devices", "b1");
    assertEquals(0, list.status(), list.err());
    assertTrue(list.out().contains("b1/led     out      gpio17"), list.out());
    assertEquals("1\n", amoeba("gpio", "b1/led", "write", "1").out());
    assertEquals("1\n", amoeba("gpio", "/dev/b1/led", "read").out(), "the /dev form maps to BOARD/NAME");
    assertEquals("0\n", amoeba("gpio", "b1/led", "write", "toggle").out());
    Result temp = amoeba("sensor", "b1/temp", "read");
    assertEquals(0, temp.status(), temp.err());
    assertTrue(temp.out().matches("temperature_c=\\d+\\.\\d+\nhumidity_pct=\\d+\\.\\d+\n"), temp.out());
    assertEquals("60 a0\n", amoeba("i2c", "b1/i2c1", "read", "0x48", "0x01", "2").out());
    assertEquals("frequency_hz=1000 duty_pct=42.50\n", amoeba("pwm", "b1/fan", "set", "--freq", "1000", "--duty", "42.5").out());
    assertEquals(0, amoeba("gpio", "b1/button", "press").status());
    assertTrue(amoeba("board", "devices", "b1").out().contains("2 edges"), "one click: two edges");
  }

  @Test
  void aProgramsClaimBlocksOthersAndEndsWithTheProgram() {
    assertEquals(0, untilServed("board", "devices", "b1").status());
    String server = amoeba("board", "devices", "b1", "--cap").out().strip();
    assertTrue(server.startsWith("cap:"), server);
    Result blink = amoeba("exec", "--on", "b1", "--detach", KernelCliTest.example("blink").toString(),
        server, "led", "100000", "100");
    assertEquals(0, blink.status(), blink.err());
    String pid = blink.out().split("\\s+")[0];
    Result busy = amoeba("gpio", "b1/led", "write", "1");
    for (int tries = 0; busy.status() == 0 && tries < 50; tries++) {
      busy = amoeba("gpio", "b1/led", "write", "1"); // until blink has claimed it
      amoeba("gpio", "b1/led", "write", "0");
    }
    assertEquals(1, busy.status());
    assertTrue(busy.err().contains("b1/led in use by blink (pid " + pid + " on b1)"), busy.err());
    assertEquals(0, amoeba("kill", pid, "--on", "b1").status());
    Result free = busy;
    // the device server asks the process server about its claimers once a second
    for (int tries = 0; free.status() != 0 && tries < 50; tries++) {
      free = amoeba("gpio", "b1/led", "read");
    }
    assertEquals(0, free.status(), "released after the kill: " + free.err());
    assertEquals("0\n", free.out(), "and dark: its safe state");
  }

  @Test
  void mistakesAreOneLineErrors() {
    assertEquals(0, untilServed("board", "devices", "b1").status());
    Result none = amoeba("gpio", "b1/lamp", "read");
    assertEquals(1, none.status());
    assertTrue(none.err().contains("b1 has no device lamp"), none.err());
    Result nack = amoeba("i2c", "b1/i2c1", "read", "0x49", "0", "2");
    assertEquals(1, nack.status());
    assertTrue(nack.err().contains("no device answers at i2c1 0x49"), nack.err());
    assertEquals(1, amoeba("gpio", "b1led", "read").status());
    assertEquals(2, amoeba("gpio", "b1/led", "write", "maybe").status());
    Result kind = amoeba("gpio", "b1/temp", "write", "1");
    assertTrue(kind.err().contains("temp is tmp102"), kind.err());
  }

  @Test
  void boardModelsListShowAndDetect() {
    Result list = CapCommandTest.amoeba("board", "list");
    assertTrue(list.out().contains("pi4b      Raspberry Pi 4 Model B"), list.out());
    Result show = CapCommandTest.amoeba("board", "show", "zero2w");
    assertEquals(0, show.status(), show.err());
    assertTrue(show.out().contains("I2C1 SDA GPIO2   ( 3) ( 4) 5V"), show.out());
    assertTrue(show.out().contains("-Xmx128m"), show.out());
    assertEquals(1, CapCommandTest.amoeba("board", "show", "pi9").status());
    Result detect = CapCommandTest.amoeba("board", "detect", "--model-file", "/nonexistent/model");
    assertTrue(detect.out().startsWith("board: emulated"), detect.out());
  }
}
