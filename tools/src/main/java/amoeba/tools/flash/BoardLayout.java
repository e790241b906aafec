package amoeba.tools.flash;

/**
 * Where a board's files live, under a root ("" for the board's real {@code /}; a test gives a
 * temporary folder so that nothing outside it is touched, and an SD card's root partition is one
 * too). The unit and scripts of the bundle name the real paths; {@link #rewrite} moves them under
 * the root.
 *
 * <pre>
 * ROOT/opt/amoeba/versions/ID/        an unpacked bundle (bin/, lib/, systemd/, conf/, examples/)
 * ROOT/opt/amoeba/current -> versions/ID      the version the unit runs
 * ROOT/opt/amoeba/previous -> versions/OLD    kept for a rollback (older ones are removed)
 * ROOT/etc/amoeba/board.conf          the board's configuration (EnvironmentFile of the unit)
 * ROOT/etc/amoeba/pool.key            the pool key, mode 0600: the pool's root authority
 * ROOT/etc/systemd/system/amoeba-board.service
 * ROOT/var/lib/amoeba/                the board's data folder
 * </pre>
 */
public record BoardLayout(String root) {
  public static final String UNIT = "amoeba-board.service";
  public static final String FIRSTBOOT_UNIT = "amoeba-firstboot.service";

  public BoardLayout {
    root = root == null || root.equals("/") ? "" : root.replaceAll("/+$", "");
    if (!root.isEmpty() && !root.startsWith("/")) {
      throw new IllegalArgumentException("the remote root must be an absolute path: " + root);
    }
  }

  public String opt() {
    return root + "/opt/amoeba";
  }

  public String versions() {
    return opt() + "/versions";
  }

  public String current() {
    return opt() + "/current";
  }

  public String previous() {
    return opt() + "/previous";
  }

  public String etc() {
    return root + "/etc/amoeba";
  }

  public String boardConf() {
    return etc() + "/board.conf";
  }

  public String poolKey() {
    return etc() + "/pool.key";
  }

  /** mqtt: the broker password the board's options name (mode 0600). */
  public String brokerPassword() {
    return etc() + "/broker.password";
  }

  /** mqtt: the CA certificate of an ssl:// broker. */
  public String brokerCa() {
    return etc() + "/broker-ca.pem";
  }

  /** Every configuration file flash may write; their hashes tell whether a rerun changes anything. */
  public java.util.List<String> configFiles() {
    return java.util.List.of(boardConf(), poolKey(), brokerPassword(), brokerCa(), unitFile());
  }

  public String unitDir() {
    return root + "/etc/systemd/system";
  }

  public String unitFile() {
    return unitDir() + "/" + UNIT;
  }

  public String data() {
    return root + "/var/lib/amoeba";
  }

  public String modelFile() {
    return root + "/proc/device-tree/model";
  }

  public String osRelease() {
    return root + "/etc/os-release";
  }

  /** A unit or script of the bundle with its absolute paths moved under the root. */
  public String rewrite(String text) {
    if (root.isEmpty()) {
      return text;
    }
    return text.replace("/opt/amoeba", opt()).replace("/etc/amoeba", etc())
        .replace("/var/lib/amoeba", data()).replace("/etc/systemd/system", unitDir());
  }
}
