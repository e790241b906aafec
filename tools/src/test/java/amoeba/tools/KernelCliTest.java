package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.tools.CapCommandTest.Result;
import amoeba.tools.bench.PeerProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two boards as child JVMs ({@code amoeba boot}) over UDP on loopback with a random group port
 * and pool key; the CLI in this JVM execs, lists and kills across them.
 */
class KernelCliTest {
  static final Path EXAMPLES = Path.of("..", "examples", "target").toAbsolutePath().normalize();

  final List<PeerProcess> boards = new ArrayList<>();
  List<String> net;

  @BeforeEach
  void bootTwoBoards() throws IOException {
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    net = List.of("--group-port", Integer.toString(port), "--pool-key-hex", HexFormat.of().formatHex(key));
    for (String name : List.of("b1", "b2")) {
      List<String> args = new ArrayList<>(List.of("boot", "--name", name));
      args.addAll(net);
      PeerProcess p = new PeerProcess(args, 30_000);
      boards.add(p);
      assertEquals(name, p.ready()[0]);
    }
  }

  @AfterEach
  void stopBoards() {
    for (PeerProcess p : boards) {
      p.close(); // by PID: SIGTERM, then SIGKILL after 3 s
    }
  }

  static Path example(String name) {
    Path jar = EXAMPLES.resolve("examples-" + name + ".jar");
    assertTrue(Files.isRegularFile(jar), "built by the examples module: " + jar);
    return jar;
  }

  /** amoeba SUBCOMMAND... with the network options right after the subcommand words. */
  Result amoeba(int words, String... args) {
    List<String> all = new ArrayList<>(List.of(args).subList(0, words));
    all.addAll(net);
    all.addAll(List.of(args).subList(words, args.length));
    return CapCommandTest.amoeba(all.toArray(String[]::new));
  }

  @Test
  void execRunsOnTheNamedBoardStreamsOutputAndExitsWithTheProgramsStatus() {
    Result hello = amoeba(1, "exec", "--on", "b2", example("hello").toString(), "x", "y");
    assertEquals(0, hello.status(), hello.err());
    assertEquals("hello from b2 x y\n", hello.out());

    Result usage = amoeba(1, "exec", "--on", "b1", example("echo").toString());
    assertEquals(2, usage.status(), "echo without a port returns 2");
    assertEquals("usage: echo GETPORT\n", usage.err());

    Result jvm = amoeba(1, "exec", "--on", "b2", "--isolation", "jvm", "--heap-mb", "32",
        example("hello").toString(), "z");
    assertEquals(0, jvm.status(), jvm.err());
    assertEquals("hello from b2 z\n", jvm.out());

    Result wc = amoeba(1, "exec", "--on", "b1", example("wordcount").toString());
    assertEquals(0, wc.status(), wc.err());
    assertEquals("0 0\n", wc.out(), "stdin not forwarded: closed at once");
  }

  @Test
  void psAndKillAcrossBoards() {
    Result started = amoeba(1, "exec", "--on", "b1", "--detach", example("cpu").toString(), "0");
    assertEquals(0, started.status(), started.err());
    Matcher m = Pattern.compile("(\\d+) cap:[0-9a-f]{32}\n").matcher(started.out());
    assertTrue(m.matches(), started.out());
    String pid = m.group(1);

    Result ps = amoeba(1, "ps", "--board", "b1,b2", "--json");
    assertEquals(0, ps.status(), ps.err());
    assertTrue(ps.out().contains("\"board\":\"b1\",\"pid\":" + pid + ",\"name\":\"examples-cpu\",\"state\":\"running\""),
        ps.out());
    assertEquals(1, ps.out().lines().count(), "nothing runs on b2: " + ps.out());

    Result kill = amoeba(1, "kill", pid, "--on", "b1");
    assertEquals(0, kill.status(), kill.err());
    assertEquals(pid + " killed 137\n", kill.out());

    Result after = amoeba(1, "ps", "--board", "b1");
    assertEquals(0, after.status(), after.err());
    assertTrue(after.out().matches("(?s).*b1 +" + pid + " KILLED +137 .*examples-cpu\n"), after.out());

    Result unknown = amoeba(1, "kill", "999", "--on", "b1");
    assertEquals(1, unknown.status());
    assertTrue(unknown.err().contains("NO_SUCH_OBJECT"), unknown.err());
  }

  @Test
  void migrateMovesTheCounterToTheOtherBoard() {
    String port = "0123456789ab";
    Result started = amoeba(1, "exec", "--on", "b1", "--detach", example("counter").toString(), port);
    assertEquals(0, started.status(), started.err());
    String pid = started.out().split(" ")[0];
    Result refused = amoeba(1, "migrate", pid, "--on", "b1", "--to", "b1");
    assertEquals(1, refused.status());
    assertTrue(refused.err().contains("already"), refused.err());
    Result moved = amoeba(1, "migrate", pid, "--on", "b1", "--to", "b2");
    assertEquals(0, moved.status(), moved.err());
    assertTrue(moved.out().matches("\\d+ cap:[0-9a-f]{32}\n"), moved.out());
    Result ps = amoeba(1, "ps", "--board", "b1,b2", "--json");
    assertTrue(ps.out().contains("\"board\":\"b1\",\"pid\":" + pid + ",\"name\":\"examples-counter\",\"state\":\"migrated\""), ps.out());
    assertTrue(ps.out().contains("\"board\":\"b2\",\"pid\":1,\"name\":\"examples-counter\",\"state\":\"running\""), ps.out());
  }

  @Test
  void boardInfoAsJson() {
    Result info = amoeba(2, "board", "info", "b2", "--json");
    assertEquals(0, info.status(), info.err());
    assertTrue(info.out().startsWith("{\"name\":\"b2\",\"model\":\"emulated\",\"cores\":"), info.out());
  }
}
