package amoeba.systemtests;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.bullet.BulletClient;
import amoeba.servers.bullet.BulletServer;
import amoeba.servers.directory.CapabilitySet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A client host's program for Bullet files on boards b1..bN.
 *
 * <ul>
 *   <li>{@code write SEED COUNT MAX-BYTES BOARDS KEY ADDRESS}: creates COUNT files of random
 *       bytes (1..MAX-BYTES), each with 2 replicas, committed safely (on disk before the reply),
 *       trying the boards from a different one each time; prints "committed I CAPS SHA256" per
 *       file created, "failed I MESSAGE" per file refused, then "done".
 *   <li>{@code verify FILE BOARDS KEY ADDRESS}: reads every replica of every file FILE lists (the
 *       "committed" lines) on its own and prints "replica CAP ok|bad|unreadable", then "verified
 *       ok=N bad=N unreadable=N".
 * </ul>
 *
 * Bounded: every call has a timeout of {@link #TIMEOUT_NANOS} (a few tries each).
 */
public final class BulletFiles {
  static final long TIMEOUT_NANOS = 3_000_000_000L;
  static final int REPLICAS = 2;
  /** Small chunks: a file of a few hundred KiB moves in several calls, so a kill can cut it. */
  static final int CHUNK_BYTES = 32 << 10;

  public static void main(String[] args) throws Exception {
    boolean write = args[0].equals("write");
    int boards = Integer.parseInt(args[write ? 4 : 2]);
    byte[] key = HexFormat.of().parseHex(args[write ? 5 : 3]);
    String address = args[write ? 6 : 4];
    UdpConfig udp = UdpConfig.builder().interfaceName("eth0").bindAddress(address).ttl(1).build();
    List<Capability> servers = new ArrayList<>();
    for (int b = 1; b <= boards; b++) {
      servers.add(BoardPorts.owner(key, BulletServer.SERVICE, "b" + b));
    }
    try (FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(key), List.of(new UdpNetwork(udp)),
        new SecureRandom());
        Rpc rpc = new Rpc(box, RpcConfig.defaults(), new SecureRandom());
        BulletClient bullet = new BulletClient(rpc, new BulletClient.Options(CHUNK_BYTES, 2, TIMEOUT_NANOS))) {
      if (write) {
        write(bullet, servers, new SplittableRandom(Long.parseLong(args[1])), Integer.parseInt(args[2]),
            Integer.parseInt(args[3]));
      } else {
        verify(bullet, Path.of(args[1]));
      }
    }
  }

  private static void write(BulletClient bullet, List<Capability> servers, SplittableRandom random,
      int count, int maxBytes) throws IOException {
    for (int i = 0; i < count; i++) {
      byte[] data = new byte[1 + random.nextInt(maxBytes)];
      random.nextBytes(data);
      List<Capability> order = new ArrayList<>(servers);
      Collections.rotate(order, -(i % servers.size())); // spread the replicas over the boards
      try {
        CapabilitySet file = bullet.create(data, order, REPLICAS, true);
        System.out.println("committed " + i + " " + text(file) + " " + sha256(data));
      } catch (RpcException e) {
        System.out.println("failed " + i + " " + e.getMessage().replace('\n', ' '));
      }
      System.out.flush();
    }
    System.out.println("done");
  }

  private static void verify(BulletClient bullet, Path committed) throws IOException {
    long ok = 0;
    long bad = 0;
    long unreadable = 0;
    for (String line : Files.readAllLines(committed)) {
      String[] f = line.split(" ");
      for (String cap : f[2].split(",")) {
        String verdict;
        try {
          byte[] data = bullet.readAll(CapabilitySet.of(CapabilityText.parse(cap)), Integer.MAX_VALUE);
          verdict = sha256(data).equals(f[3]) ? "ok" : "bad";
        } catch (RpcException | IOException e) {
          verdict = "unreadable " + e.getMessage();
        } catch (amoeba.capabilities.CapabilityFormatException e) {
          throw new IllegalArgumentException("not a capability in " + committed + ": " + cap, e);
        }
        System.out.println("replica " + cap + " of file " + f[1] + " " + verdict);
        if (verdict.equals("ok")) {
          ok++;
        } else if (verdict.equals("bad")) {
          bad++;
        } else {
          unreadable++;
        }
      }
    }
    System.out.println("verified ok=" + ok + " bad=" + bad + " unreadable=" + unreadable);
  }

  static String text(CapabilitySet file) {
    List<String> caps = new ArrayList<>();
    file.capabilities().forEach(c -> caps.add(CapabilityText.format(c)));
    return String.join(",", caps);
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
