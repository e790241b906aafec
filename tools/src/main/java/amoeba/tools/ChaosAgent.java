package amoeba.tools;

import amoeba.flip.net.FaultyNetwork;
import amoeba.flip.net.Network;
import amoeba.flip.net.Partition;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.tinylog.Logger;

/**
 * The faults of an emulated pool, applied inside each board. The pool's chaos folder ({@code
 * ~/.amoeba/pools/NAME/chaos}) holds:
 *
 * <pre>
 * BOARD.station     the board's own FLIP station (written at boot), e.g. udp:127.0.0.1:40123
 * BOARD.pid         the board's process id (for chaos kill / pause)
 * faults.properties what is in force, written by `amoeba emulate --faults` and `amoeba chaos`:
 *                   loss=10  dup=2  reorder=5  (percent of received packets)
 *                   delay-ms=20  jitter-ms=5
 *                   partition=b1,b2|b3,b4     (sides of board names)
 * </pre>
 *
 * Each board wraps its network in a seeded {@link FaultyNetwork} and re-reads the file every
 * {@value #POLL_MS} ms (it only reads: nothing is sent). Faults act on received packets; a
 * partition drops what comes from boards on another side, both ways since every board applies it.
 */
final class ChaosAgent implements AutoCloseable {
  static final String FAULTS = "faults.properties";
  static final int POLL_MS = 200;

  private final FaultyNetwork network;
  private final Path dir;
  private final String board;
  private final Thread thread;
  private volatile boolean closed;
  private Properties applied = new Properties();

  private ChaosAgent(FaultyNetwork network, Path dir, String board) {
    this.network = network;
    this.dir = dir;
    this.board = board;
    this.thread = new Thread(this::loop, "chaos-" + board);
    thread.setDaemon(true);
  }

  /** Wraps {@code inner}, records the board's station and pid, and starts following the file. */
  static ChaosAgent start(Network inner, Path dir, String board, long seed) throws IOException {
    Files.createDirectories(dir);
    FaultyNetwork f = new FaultyNetwork(inner, seed);
    Files.writeString(dir.resolve(board + ".station"), inner.self().toString() + "\n");
    Files.writeString(dir.resolve(board + ".pid"), ProcessHandle.current().pid() + "\n");
    ChaosAgent agent = new ChaosAgent(f, dir, board);
    agent.apply(read(dir));
    agent.thread.start();
    return agent;
  }

  Network network() {
    return network;
  }

  private void loop() {
    while (!closed) {
      LockSupport.parkNanos(POLL_MS * 1_000_000L);
      try {
        Properties now = read(dir);
        if (!now.equals(applied)) {
          apply(now);
        }
      } catch (IOException | RuntimeException e) {
        Logger.warn("{}: cannot apply {}: {}", board, dir.resolve(FAULTS), e.getMessage());
      }
    }
  }

  static Properties read(Path dir) throws IOException {
    Properties p = new Properties();
    Path file = dir.resolve(FAULTS);
    if (Files.isRegularFile(file)) {
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      }
    }
    return p;
  }

  private void apply(Properties p) throws IOException {
    network.setLossProbability(percent(p, "loss"));
    network.setDuplicateProbability(percent(p, "dup"));
    network.setReorderProbability(percent(p, "reorder"));
    network.setDelay(millis(p, "delay-ms"), millis(p, "jitter-ms"));
    String sides = p.getProperty("partition", "").trim();
    if (sides.isEmpty()) {
      network.heal();
    } else {
      network.setPartition(partition(sides));
    }
    applied = p;
    Logger.info("{}: faults now {}", board, p.isEmpty() ? "none" : new java.util.TreeMap<>(p));
  }

  /** Board names to stations (read from their .station files; a board not up yet is skipped). */
  private Partition partition(String spec) throws IOException {
    String[] parts = spec.split("\\|");
    @SuppressWarnings({"unchecked", "rawtypes"}) // Partition.of takes varargs sets
    Set<String>[] sides = new Set[parts.length];
    for (int i = 0; i < parts.length; i++) {
      sides[i] = new HashSet<>();
      for (String b : parts[i].split(",")) {
        Path station = dir.resolve(b.trim() + ".station");
        if (Files.isRegularFile(station)) {
          sides[i].add(Files.readString(station).trim());
        }
      }
    }
    return Partition.of(sides);
  }

  private static double percent(Properties p, String key) {
    return Double.parseDouble(p.getProperty(key, "0")) / 100.0;
  }

  private static long millis(Properties p, String key) {
    return Long.parseLong(p.getProperty(key, "0")) * 1_000_000L;
  }

  /**
   * Parses {@code loss=10%,dup=2%,reorder=5%,delay=20ms,jitter=5ms} into the file's keys.
   *
   * @throws IllegalArgumentException naming the bad item
   */
  static Map<String, String> parseFaults(String spec) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String item : spec.split(",")) {
      String[] kv = item.trim().split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("a fault is NAME=VALUE: " + item);
      }
      String key = kv[0].trim();
      String value = kv[1].trim();
      switch (key) {
        case "loss", "dup", "reorder" -> {
          double v = Double.parseDouble(strip(value, "%", item));
          if (!(v >= 0 && v <= 100)) {
            throw new IllegalArgumentException("a percentage is 0..100: " + item);
          }
          m.put(key, value.replace("%", ""));
        }
        case "delay", "jitter" -> {
          long v = Long.parseLong(strip(value, "ms", item));
          if (v < 0 || v > 10_000) {
            throw new IllegalArgumentException("a delay is 0..10000 ms: " + item);
          }
          m.put(key + "-ms", Long.toString(v));
        }
        default -> throw new IllegalArgumentException(
            "unknown fault '" + key + "' (loss, dup, reorder as %; delay, jitter as ms)");
      }
    }
    return m;
  }

  private static String strip(String value, String unit, String item) {
    String v = value.endsWith(unit) ? value.substring(0, value.length() - unit.length()) : value;
    if (!v.matches("\\d+(\\.\\d+)?")) {
      throw new IllegalArgumentException("not a number: " + item);
    }
    return v;
  }

  /** Validates a partition: sides of known board names, each board on at most one side. */
  static String parsePartition(List<String> sides, List<String> boards) {
    Set<String> seen = new HashSet<>();
    for (String side : sides) {
      for (String b : side.split(",")) {
        if (!boards.isEmpty() && !boards.contains(b)) {
          throw new IllegalArgumentException("no board " + b + " in this pool (" + String.join(",", boards) + ")");
        }
        if (!seen.add(b)) {
          throw new IllegalArgumentException("board " + b + " is on two sides");
        }
      }
    }
    if (sides.size() < 2) {
      throw new IllegalArgumentException("a partition needs at least two sides, e.g. b1,b2 b3");
    }
    return String.join("|", sides);
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
