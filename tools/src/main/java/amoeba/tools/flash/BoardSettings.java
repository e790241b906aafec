package amoeba.tools.flash;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A board's configuration file, /etc/amoeba/board.conf: read by systemd as the unit's
 * EnvironmentFile and by bin/amoeba-board, so every value is one double-quoted line that both
 * systemd and sh read the same way (no quotes, backslashes, dollars or backquotes inside).
 *
 * @param name the board's name in the pool (b1, b2, ...)
 * @param model the detected model, or "" to read /proc/device-tree/model at each start
 * @param javaOpts the board's JVM flags
 * @param interfaceName udp: the multicast interface, "auto" for the default route's; "" for mqtt
 * @param network the transport options of 'amoeba boot' (bin/amoeba-board adds name, model,
 *     data folder, key, interface and address)
 * @param boards every board of the pool, watched for failures
 * @param layout where the key and the data folder are
 */
public record BoardSettings(
    String name, String model, String javaOpts, String interfaceName, List<String> network,
    List<String> boards, BoardLayout layout) {
  private static final Pattern JAVA_VERSION = Pattern.compile("version \"(1\\.)?(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?");

  public BoardSettings {
    network = List.copyOf(network);
    boards = List.copyOf(boards);
    for (String v : List.of(name, model, javaOpts, interfaceName, String.join(" ", network), String.join(",", boards))) {
      if (!v.matches("[A-Za-z0-9 ._+=:/,()@-]*")) {
        throw new FlashException("a board setting would not survive board.conf's quoting: '" + v + "'");
      }
    }
  }

  /** The file's text. */
  public String render() {
    return "# amoeba board " + name + ", written by 'amoeba flash': the EnvironmentFile of amoeba-board.service,\n"
        + "# turned into 'amoeba boot' options by bin/amoeba-board. Restart the unit after editing:\n"
        + "#   sudo systemctl restart amoeba-board; journalctl -u amoeba-board -f\n"
        + line("AMOEBA_JAVA_OPTS", javaOpts)
        + line("AMOEBA_BOARD_NAME", name)
        + line("AMOEBA_BOARD_MODEL", model)
        + line("AMOEBA_INTERFACE", interfaceName)
        + line("AMOEBA_NETWORK", String.join(" ", network))
        + line("AMOEBA_BOARDS", String.join(",", boards))
        + line("AMOEBA_POOL_KEY", layout.poolKey())
        + line("AMOEBA_DATA", layout.data());
  }

  private static String line(String key, String value) {
    return key + "=\"" + value + "\"\n";
  }

  /** A model string as the device tree gives it, cut to what board.conf can carry. */
  public static String cleanModel(String raw) {
    return raw == null ? "" : raw.replaceAll("[^A-Za-z0-9 ._+()/-]", "").strip();
  }

  /**
   * The JVM flags for a board: a heap of a quarter of its memory (64..512 MiB; it grows only as
   * needed), the serial collector (one or four small cores), small thread stacks. JDK 21 before
   * 21.0.8 crashes on Cortex-A53 boards (Zero 2 W, Pi 3) unless one intrinsic is off (JDK-8353237).
   *
   * @param memKb total memory in KiB, 0 if unknown
   * @param javaVersion the first line of {@code java -version}, "" if unknown
   */
  public static String javaOpts(long memKb, String javaVersion, String model) {
    long heapMb = memKb <= 0 ? 256 : Math.max(64, Math.min(512, memKb / 1024 / 4));
    String opts = "-Xms16m -Xmx" + heapMb + "m -XX:+UseSerialGC -Xss512k";
    int[] v = javaVersion(javaVersion);
    boolean cortexA53 = model.contains("Zero 2") || model.contains("Pi 3");
    if (cortexA53 && v[0] == 21 && (v[1] == 0 && v[2] < 8)) {
      opts += " -XX:+UnlockDiagnosticVMOptions -XX:-UseVectorizedHashCodeIntrinsic";
    }
    return opts;
  }

  /** {major, minor, patch} of a {@code java -version} line; major 0 when there is no Java. */
  public static int[] javaVersion(String line) {
    Matcher m = JAVA_VERSION.matcher(line == null ? "" : line);
    if (!m.find()) {
      return new int[] {0, 0, 0};
    }
    return new int[] {Integer.parseInt(m.group(2)), parse(m.group(3)), parse(m.group(4))};
  }

  private static int parse(String s) {
    return s == null ? 0 : Integer.parseInt(s);
  }
}
