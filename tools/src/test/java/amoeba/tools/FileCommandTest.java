package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `amoeba file put|cat|stat` against two boards (child JVMs with Bullet servers and data
 * folders) over UDP on loopback; files named by their cap: text (no directory yet).
 */
class FileCommandTest {
  @TempDir Path dir;
  final List<PeerProcess> boards = new ArrayList<>();
  List<String> net;
  String previousHome;

  @BeforeEach
  void bootTwoBoards() throws IOException {
    previousHome = System.setProperty("amoeba.home", dir.resolve("home").toString()); // no profile
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    net = List.of("--group-port", Integer.toString(port), "--pool-key-hex", HexFormat.of().formatHex(key));
    for (String name : List.of("b1", "b2")) {
      List<String> args = new ArrayList<>(List.of("boot", "--name", name, "--data", dir.resolve(name).toString(),
          "--service", "bullet"));
      args.addAll(net);
      boards.add(new PeerProcess(args, 30_000));
    }
  }

  @AfterEach
  void stopBoards() {
    boards.forEach(PeerProcess::close);
    if (previousHome == null) {
      System.clearProperty("amoeba.home");
    } else {
      System.setProperty("amoeba.home", previousHome);
    }
  }

  Result amoeba(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(net);
    return CapCommandTest.amoeba(all.toArray(String[]::new));
  }

  @Test
  void putPrintsOneCapabilityPerReplicaAndCatAndStatTakeThem() throws IOException {
    byte[] content = new byte[700_000]; // several chunks
    new SecureRandom().nextBytes(content);
    Path local = Files.write(dir.resolve("local.bin"), content);
    Result put = amoeba("file", "put", local.toString(), "--replicas", "2", "--boards", "b1,b2");
    assertEquals(0, put.status(), put.err());
    List<String> caps = put.out().lines().toList();
    assertEquals(2, caps.size(), put.out());
    assertTrue(caps.stream().allMatch(c -> c.matches("cap:[0-9a-f]{32}")), put.out());
    String set = String.join(",", caps);

    Path copy = dir.resolve("copy.bin");
    Result cat = amoeba("file", "cat", set, "-o", copy.toString());
    assertEquals(0, cat.status(), cat.err());
    assertArrayEquals(content, Files.readAllBytes(copy));

    Result stat = amoeba("file", "stat", set, "--boards", "b1,b2", "--json");
    assertEquals(0, stat.status(), stat.err());
    assertTrue(stat.out().contains("\"size\":700000"), stat.out());
    assertTrue(stat.out().contains("\"live\":2"), stat.out());
    assertTrue(stat.out().contains("\"board0\":\"b") && stat.out().contains("\"board1\":\"b"), stat.out());

    Result one = amoeba("file", "cat", caps.get(1), "-o", dir.resolve("one.bin").toString());
    assertEquals(0, one.status(), "a single replica's capability reads too: " + one.err());
  }

  @Test
  void aBoardRunsAProgramStoredInBullet() {
    Result put = amoeba("file", "put", KernelCliTest.example("hello").toString(), "--replicas", "1", "--boards", "b1");
    assertEquals(0, put.status(), put.err());
    List<String> exec = new ArrayList<>(List.of("exec"));
    exec.addAll(net); // before the program's arguments, which take everything after the jar
    exec.addAll(List.of("--on", "b2", put.out().trim(), "from", "bullet"));
    Result run = CapCommandTest.amoeba(exec.toArray(String[]::new));
    assertEquals(0, run.status(), run.err());
    assertEquals("hello from b2 from bullet\n", run.out());
  }

  @Test
  void badInputIsAClearError() throws IOException {
    Path local = Files.writeString(dir.resolve("small.txt"), "hello");
    Result path = amoeba("file", "put", local.toString(), "/home/notes", "--boards", "b1");
    assertEquals(1, path.status());
    // no directory runs in this pool: said before a byte is stored
    assertTrue(path.err().contains("/home/notes: ") && path.err().contains("NOTFOUND"), path.err());

    Result noBoards = amoeba("file", "put", local.toString());
    assertEquals(1, noBoards.status());
    assertTrue(noBoards.err().contains("--boards"), noBoards.err());

    Result replicas = amoeba("file", "put", local.toString(), "--replicas", "9", "--boards", "b1");
    assertEquals(2, replicas.status(), replicas.err());

    Result missing = amoeba("file", "put", dir.resolve("nope").toString(), "--boards", "b1");
    assertEquals(1, missing.status());
    assertTrue(missing.err().contains("no such file"), missing.err());

    Result put = amoeba("file", "put", local.toString(), "--replicas", "1", "--boards", "b1");
    assertEquals(0, put.status(), put.err());
    String cap = put.out().trim();
    // flip the last hex digit of the check: a forged capability
    char last = cap.charAt(cap.length() - 1);
    String forged = cap.substring(0, cap.length() - 1) + (last == '0' ? '1' : '0');
    Result bad = amoeba("file", "cat", forged);
    assertEquals(1, bad.status());
    assertTrue(bad.err().contains("CAPBAD"), bad.err());

    Result garbage = amoeba("file", "stat", "cap:xyz");
    assertEquals(1, garbage.status());
    assertTrue(garbage.err().contains("not a capability"), garbage.err());

    Result repair = amoeba("file", "repair", "--boards", "b1,b2");
    assertEquals(1, repair.status());
    assertTrue(repair.err().contains("repair: ") && repair.err().contains("NOTFOUND"), "no directory: " + repair.err());
  }
}
