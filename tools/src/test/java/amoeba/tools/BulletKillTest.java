package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.bullet.BulletClient;
import amoeba.servers.bullet.BulletServer;
import amoeba.servers.directory.CapabilitySet;
import amoeba.tools.bench.PeerProcess;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A board (a child JVM) killed with SIGKILL while a client writes files to its Bullet server
 * as fast as it can, then restarted over the same data folder: every file whose commit was
 * answered is there, intact, under its old capability; no temp file is left, and every file on
 * disk is whole (its content is a function of its length, so a half file cannot pass).
 */
class BulletKillTest {
  @TempDir Path dir;

  /** The content of every file of this test: determined by its size. */
  static byte[] content(int size) {
    byte[] b = new byte[size];
    new Random(size).nextBytes(b);
    return b;
  }

  record Written(CapabilitySet file, int size) {}

  @Test
  void committedFilesSurviveAKill9AtAnArbitraryMomentAndNoHalfFileShows() throws Exception {
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    byte[] key = new byte[32];
    SecureRandom random = new SecureRandom();
    random.nextBytes(key);
    List<String> boot = List.of("boot", "--name", "k1", "--data", dir.resolve("k1").toString(),
        "--service", "bullet", "--group-port", Integer.toString(port), "--pool-key-hex", HexFormat.of().formatHex(key));
    List<Capability> server = List.of(BoardPorts.owner(key, BulletServer.SERVICE, "k1"));
    List<Written> acknowledged = new CopyOnWriteArrayList<>();
    UdpConfig udp = UdpConfig.builder().groupPort(port).build();
    try (PeerProcess board = new PeerProcess(boot, 30_000);
        FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(key), List.of(new UdpNetwork(udp)), random);
        Rpc rpc = new Rpc(box, RpcConfig.defaults(), random);
        BulletClient bullet = new BulletClient(rpc, new BulletClient.Options(16 << 10, 2, 2_000_000_000L))) {
      java.util.concurrent.CountDownLatch going = new java.util.concurrent.CountDownLatch(25);
      Thread writer = new Thread(() -> {
        for (int i = 0; i < 100_000; i++) { // ends at the first failure: the board died
          int size = 1 + (i * 7919) % 150_000; // 1 B .. 10 chunks
          try {
            acknowledged.add(new Written(bullet.create(content(size), server, 1, i % 2 == 0), size));
            going.countDown();
          } catch (Exception e) {
            return;
          }
        }
      }, "writer");
      writer.start();
      going.await(60, TimeUnit.SECONDS); // 25 files acknowledged (or the writer stopped: asserted next)
      assertTrue(acknowledged.size() >= 25, "the writer got going: " + acknowledged.size());
      ProcessHandle.of(board.pid()).orElseThrow().destroyForcibly(); // SIGKILL, mid-stream
      ProcessHandle.of(board.pid()).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
      writer.join(30_000);
      assertTrue(!writer.isAlive(), "the writer noticed the board's death");
    }
    Path store = dir.resolve("k1/programs/bullet");
    try (PeerProcess again = new PeerProcess(boot, 30_000);
        FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(key), List.of(new UdpNetwork(udp)), random);
        Rpc rpc = new Rpc(box, RpcConfig.defaults(), random);
        BulletClient bullet = new BulletClient(rpc, new BulletClient.Options(64 << 10, 2, 5_000_000_000L))) {
      assertEquals("k1", again.ready()[0]);
      for (Written w : acknowledged) {
        assertArrayEquals(content(w.size()), bullet.readAll(w.file(), Integer.MAX_VALUE),
            "an acknowledged file of " + w.size() + " bytes");
      }
      try (Stream<Path> tmp = Files.list(store.resolve("tmp"))) {
        assertEquals(0, tmp.count(), "no temp file survives the restart");
      }
      List<Path> onDisk;
      try (Stream<Path> files = Files.list(store.resolve("files"))) {
        onDisk = new ArrayList<>(files.toList());
      }
      assertTrue(onDisk.size() >= acknowledged.size() && onDisk.size() <= acknowledged.size() + 1,
          onDisk.size() + " files on disk, " + acknowledged.size() + " acknowledged (one commit may have been unanswered)");
      for (Path p : onDisk) {
        byte[] b = Files.readAllBytes(p);
        assertArrayEquals(content(b.length), b, "a whole file: " + p.getFileName());
      }
    }
  }
}
