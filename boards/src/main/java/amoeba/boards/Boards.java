package amoeba.boards;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The board definitions shipped as resources ({@code amoeba/boards/*.board}, a header file
 * each names), and detection of the board this JVM runs on.
 */
public final class Boards {
  /** Every board we know, in the order {@code amoeba board list} shows them. */
  public static final List<String> IDS = List.of("zero2w", "pi3bp", "pi4b", "pi5", "cm4", "emulated");
  /** Where Linux on a Pi names the model (a NUL-terminated string). */
  public static final Path DEVICE_TREE_MODEL = Path.of("/proc/device-tree/model");
  /** Overrides detection (e.g. a board JVM in a container on a Pi). */
  public static final String OVERRIDE_ENV = "AMOEBA_BOARD";

  private static final Map<String, BoardDefinition> ALL = load();

  private Boards() {}

  public static List<BoardDefinition> all() {
    return List.copyOf(ALL.values());
  }

  public static Optional<BoardDefinition> byId(String id) {
    return Optional.ofNullable(ALL.get(id));
  }

  /** The board {@code id}, or an IllegalArgumentException naming the known ones. */
  public static BoardDefinition require(String id) {
    return byId(id).orElseThrow(() -> new IllegalArgumentException(
        "no board " + id + " (known: " + String.join(", ", IDS) + ")"));
  }

  /** What detection found and why. */
  public record Detection(BoardDefinition board, String how) {}

  /**
   * The board this JVM runs on: {@code override} if given (the id), else the board whose
   * match starts the text of {@code modelFile}, else "emulated".
   */
  public static Detection detect(Path modelFile, String override) {
    if (override != null && !override.isBlank()) {
      return new Detection(require(override.trim()), "overridden: " + override.trim());
    }
    String model;
    try {
      model = Files.readString(modelFile, StandardCharsets.UTF_8).replace("\0", "").trim();
    } catch (IOException e) {
      return new Detection(require("emulated"), "no " + modelFile + ": not a Raspberry Pi");
    }
    for (BoardDefinition b : ALL.values()) {
      if (!b.match().equals("-") && model.startsWith(b.match())) {
        return new Detection(b, modelFile + ": " + model);
      }
    }
    return new Detection(require("emulated"), modelFile + ": " + model + " (not a board we know)");
  }

  /** Detection with the defaults: /proc/device-tree/model, overridden by $AMOEBA_BOARD. */
  public static Detection detect() {
    return detect(DEVICE_TREE_MODEL, System.getenv(OVERRIDE_ENV));
  }

  // ---- the resource format ------------------------------------------------------------------

  static String resource(String name) {
    try (InputStream in = Boards.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource amoeba/boards/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read amoeba/boards/" + name, e);
    }
  }

  private static Map<String, BoardDefinition> load() {
    Map<String, BoardDefinition> m = new LinkedHashMap<>();
    for (String id : IDS) {
      m.put(id, parse(id, resource(id + ".board")));
    }
    return m;
  }

  /** Lines without comments and blanks, as (key, value) of {@code key = value}. */
  static Map<String, String> keyValues(String name, String text) {
    Map<String, String> kv = new LinkedHashMap<>();
    String[] lines = text.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq < 0) {
        throw new IllegalStateException(name + " line " + (i + 1) + ": not key = value");
      }
      kv.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
    }
    return kv;
  }

  static BoardDefinition parse(String id, String text) {
    Map<String, String> kv = keyValues(id + ".board", text);
    Map<String, BoardDefinition.Bus> buses = new TreeMap<>();
    kv.forEach((k, v) -> {
      if (k.matches("(i2c|spi)\\d")) {
        List<Integer> pins = new ArrayList<>();
        for (String p : v.split("\\s+")) {
          pins.add(Integer.parseInt(p));
        }
        String kind = k.substring(0, 3);
        buses.put(k, new BoardDefinition.Bus(k, kind, Integer.parseInt(k.substring(3)), List.copyOf(pins)));
      }
    });
    Map<Integer, Integer> pwm = new TreeMap<>();
    for (String p : kv.getOrDefault("pwm", "").split("\\s+")) {
      if (!p.isEmpty()) {
        String[] pc = p.split(":");
        pwm.put(Integer.parseInt(pc[0]), Integer.parseInt(pc[1]));
      }
    }
    List<Integer> ram = new ArrayList<>();
    for (String r : kv.get("ram_mb").split("\\s+")) {
      ram.add(Integer.parseInt(r));
    }
    String jvm = kv.getOrDefault("jvm", "");
    return new BoardDefinition(kv.get("id"), kv.get("model"), kv.get("match"), kv.get("cpu"),
        Integer.parseInt(kv.get("cores")), List.copyOf(ram), header(kv.get("header")),
        java.util.Collections.unmodifiableMap(buses), java.util.Collections.unmodifiableMap(pwm), Integer.parseInt(kv.get("pwm_chip")),
        jvm.isEmpty() ? List.of() : List.of(jvm.split("\\s+")), kv.get("pi4j"));
  }

  private static List<BoardDefinition.HeaderPin> header(String name) {
    List<BoardDefinition.HeaderPin> pins = new ArrayList<>();
    for (String line : resource(name + ".txt").split("\n")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] f = l.split("\\s+", 4);
      pins.add(new BoardDefinition.HeaderPin(Integer.parseInt(f[0]), f[1].equals("-") ? -1 : Integer.parseInt(f[1]),
          f[2], f.length > 3 ? f[3] : ""));
    }
    return List.copyOf(pins);
  }
}
