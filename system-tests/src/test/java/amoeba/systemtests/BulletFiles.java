package amoeba.systemtests;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
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
 *   <li>{@code verify-files FILE BOARDS KEY ADDRESS}: reads every file FILE lists through its
 *       capability set (any replica that answers) and prints "file I ok|bad|unreadable", then
 *       the same "verified" line.
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
    String mode = args[0];
    boolean write = mode.equals("write");
    int boards = Integer.parseInt(args[write ? 4 : 2]);
    try (ClientHost host = ClientHost.open(args[write ? 5 : 3], args[write ? 6 : 4]);
        BulletClient bullet = client(host)) {
      switch (mode) {
        case "write" -> write(bullet, servers(host.key, boards), new SplittableRandom(Long.parseLong(args[1])),
            Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        case "verify" -> verify(bullet, Path.of(args[1]));
        case "verify-files" -> verifyFiles(bullet, Path.of(args[1]));
        default -> throw new IllegalArgumentException("write, verify or verify-files: " + mode);
      }
    }
  }

  static BulletClient client(ClientHost host) {
    return new BulletClient(host.rpc, new BulletClient.Options(CHUNK_BYTES, 2, TIMEOUT_NANOS));
  }

  /** The Bullet servers of boards b1..b{boards}. */
  static List<Capability> servers(byte[] key, int boards) {
    List<Capability> servers = new ArrayList<>();
    for (int b = 1; b <= boards; b++) {
      servers.add(BoardPorts.owner(key, BulletServer.SERVICE, "b" + b));
    }
    return servers;
  }

  private static void write(BulletClient bullet, List<Capability> servers, SplittableRandom random,
      int count, int maxBytes) throws IOException {
    for (int i = 0; i < count; i++) {
      System.out.println(create(bullet, servers, random, i, maxBytes));
      System.out.flush();
    }
    System.out.println("done");
  }

  /**
   * Creates file {@code i}: random bytes (1..maxBytes), {@value #REPLICAS} replicas committed
   * safely, the servers tried from a different one for each i. Returns "committed I CAPS SHA256"
   * or "failed I MESSAGE".
   */
  static String create(BulletClient bullet, List<Capability> servers, SplittableRandom random, int i,
      int maxBytes) throws IOException {
    byte[] data = new byte[1 + random.nextInt(maxBytes)];
    random.nextBytes(data);
    List<Capability> order = new ArrayList<>(servers);
    Collections.rotate(order, -(i % servers.size())); // spread the replicas over the boards
    try {
      CapabilitySet file = bullet.create(data, order, REPLICAS, true);
      return "committed " + i + " " + text(file) + " " + sha256(data);
    } catch (RpcException e) {
      return "failed " + i + " " + e.getMessage().replace('\n', ' ');
    }
  }

  private static void verify(BulletClient bullet, Path committed) throws IOException {
    long[] counts = new long[3];
    for (String line : Files.readAllLines(committed)) {
      String[] f = line.split(" ");
      for (String cap : f[2].split(",")) {
        String verdict = check(bullet, cap, f[3]);
        System.out.println("replica " + cap + " of file " + f[1] + " " + verdict);
        count(counts, verdict);
      }
    }
    System.out.println("verified ok=" + counts[0] + " bad=" + counts[1] + " unreadable=" + counts[2]);
  }

  /** Like verify, but each file through its whole capability set: any live replica serves it. */
  private static void verifyFiles(BulletClient bullet, Path committed) throws IOException {
    long[] counts = new long[3];
    for (String line : Files.readAllLines(committed)) {
      String[] f = line.split(" ");
      String verdict = check(bullet, f[2], f[3]);
      System.out.println("file " + f[1] + " " + verdict);
      count(counts, verdict);
    }
    System.out.println("verified ok=" + counts[0] + " bad=" + counts[1] + " unreadable=" + counts[2]);
  }

  private static void count(long[] counts, String verdict) {
    counts[verdict.equals("ok") ? 0 : verdict.equals("bad") ? 1 : 2]++;
  }

  /**
   * Reads the file of {@code caps} (capabilities, comma-separated: its replicas, tried in turn)
   * and compares its SHA-256: "ok", "bad" or "unreadable REASON".
   */
  static String check(BulletClient bullet, String caps, String sha256) {
    List<Capability> replicas = new ArrayList<>();
    for (String cap : caps.split(",")) {
      try {
        replicas.add(CapabilityText.parse(cap));
      } catch (amoeba.capabilities.CapabilityFormatException e) {
        throw new IllegalArgumentException("not a capability: " + cap, e);
      }
    }
    try {
      byte[] data = bullet.readAll(new CapabilitySet(replicas), Integer.MAX_VALUE);
      return sha256(data).equals(sha256) ? "ok" : "bad";
    } catch (RpcException | IOException e) {
      return "unreadable " + e.getMessage();
    }
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
