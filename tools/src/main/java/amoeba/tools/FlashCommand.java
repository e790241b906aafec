package amoeba.tools;

import amoeba.ipc.rpc.RpcException;
import amoeba.tools.flash.BoardLayout;
import amoeba.tools.flash.BoardSettings;
import amoeba.tools.flash.Bundle;
import amoeba.tools.flash.FlashException;
import amoeba.tools.flash.HostFlasher;
import amoeba.tools.flash.HostFlasher.ConfigFile;
import amoeba.tools.flash.HostFlasher.Report;
import amoeba.tools.flash.SdCard;
import amoeba.tools.flash.Ssh;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba flash}: installs a pool on real Raspberry Pis, over SSH or onto SD cards, from the
 * release bundle; then writes the pool profile, so every other command reaches the new pool.
 * The boards are b1, b2, ... in the order of --ssh. Flashing again with the same bundle and
 * settings changes nothing; the pool NAME's profile keeps its key and pool id across runs.
 */
@Command(
    name = "flash",
    description = {
        "Install amoeba boards on Raspberry Pis over SSH (--ssh) or onto a card (--sd).",
        "Per host: checks OS, architecture, Java and model; installs Java 17 if missing",
        "(asks first); uploads the bundle into a versioned folder, keeping the previous;",
        "writes the board's configuration and pool key; installs and starts the systemd",
        "unit amoeba-board; waits until the board answers on the pool, and rolls back a",
        "board whose new version does not come up. Then writes the pool profile."},
    footer = {"", "Examples:",
        "  amoeba flash --ssh pi@pi1.local,pi@pi2.local,pi@pi3.local \\",
        "      --interface wlan0 --bind 192.168.1.20 --ttl 1",
        "  amoeba flash --ssh pi@pi1.local --transport mqtt \\",
        "      --broker tcp://pi1.local:1883 --yes",
        "  amoeba flash --sd /media/$USER --name b4",
        "Boards get UDP multicast with TTL 1 on their default route's interface",
        "(--board-interface); --interface/--bind/--ttl say how this machine reaches them."})
final class FlashCommand implements Callable<Integer> {
  @Mixin KernelCli kernel;

  @Option(names = "--ssh", split = ",", paramLabel = "USER@HOST", description = "The hosts, in board order (b1, b2, ...).")
  List<String> hosts;

  @Option(names = "--sd", paramLabel = "PATH", description = "A Raspberry Pi OS card's mount folder (with bootfs/ and rootfs/).")
  Path sd;

  @Option(names = "--name", paramLabel = "BOARD", description = "--sd: the card's board name (default: the next free bN).")
  String sdName;

  @Option(names = "--pool", defaultValue = "pi", description = "Pool profile name (default: ${DEFAULT-VALUE}).")
  String pool;

  @Option(names = {"-i", "--identity"}, paramLabel = "KEY", description = "Private key file (default: ~/.ssh/id_ed25519, id_ecdsa or id_rsa).")
  Path identity;

  @Option(names = "--known-hosts", paramLabel = "FILE", description = "Host keys to check against (default: ~/.ssh/known_hosts).")
  Path knownHosts;

  @Option(names = {"-p", "--port", "--ssh-port"}, defaultValue = "22", description = "SSH port (default: ${DEFAULT-VALUE}).")
  int sshPort;

  @Option(names = {"-y", "--yes"}, description = "Install Java where it is missing without asking.")
  boolean yes;

  @Option(names = "--no-wait", description = "Do not wait for the boards to answer on the pool (only for the unit to be active).")
  boolean noWait;

  @Option(names = "--wait-seconds", defaultValue = "120", description = "How long a board may take to answer (default: ${DEFAULT-VALUE}).")
  long waitSeconds;

  @Option(names = "--bundle", paramLabel = "FILE", description = "The release bundle (default: the one beside this amoeba).")
  Path bundleFile;

  @Option(names = "--board-interface", defaultValue = "auto",
      description = "udp: the boards' multicast interface, 'auto' for their default route's (default: ${DEFAULT-VALUE}).")
  String boardInterface;

  /** Tests: everything the flash writes goes under this folder of the host. */
  @Option(names = "--remote-root", hidden = true)
  String remoteRoot;

  /** Tests: put this folder first on the host's PATH (fake systemctl, java, uname). */
  @Option(names = "--remote-path", hidden = true)
  String remotePath;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (sd != null && !spec.commandLine().getParseResult().hasMatchedOption("--ssh")) {
      hosts = null; // the profile's hosts are a default for --ssh only
    }
    if ((hosts == null || hosts.isEmpty()) == (sd == null)) {
      throw new ParameterException(spec.commandLine(), "give either --ssh USER@HOST,... or --sd PATH");
    }
    PrintWriter out = spec.commandLine().getOut();
    Properties profile = PoolProfile.read(pool);
    String keyHex = poolKeyHex(profile);
    int poolId = poolId(profile);
    Bundle bundle = bundleFile != null ? Bundle.of(bundleFile) : Bundle.find(runningJar(), version());
    try {
      return sd != null ? flashCard(out, profile, bundle, keyHex, poolId) : flashHosts(out, profile, bundle, keyHex, poolId);
    } catch (FlashException e) {
      throw new CliFailure(e.getMessage(), e);
    }
  }

  private int flashHosts(PrintWriter out, Properties profile, Bundle bundle, String keyHex, int poolId) throws IOException {
    List<Path> identities = identities();
    Path known = knownHosts != null ? knownHosts : Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
    // b1..bN for the hosts, then the pool's other boards (cards flashed with --sd) so that every
    // board watches them all and the profile keeps them.
    List<String> boards = new ArrayList<>();
    for (int i = 1; i <= hosts.size(); i++) {
      boards.add("b" + i);
    }
    for (String b : profile.getProperty("boards", "").split(",")) {
      if (!b.isBlank() && !boards.contains(b)) {
        boards.add(b);
      }
    }
    BoardLayout layout = new BoardLayout(remoteRoot);
    out.printf("flashing %d board(s) of pool '%s' (%s) with %s%n", hosts.size(), pool, String.join(",", boards),
        bundle.id());
    out.flush();
    if (!noWait && kernel.net.transport == NetworkOptions.Transport.udp && kernel.net.ttl == 0) {
      out.println("note: this machine listens with TTL 0 on " + kernel.net.interfaceName + "; to hear boards on the LAN"
          + " give --interface IF --bind THIS_MACHINES_ADDRESS --ttl 1 (or --no-wait)");
    }
    List<Report> reports = new ArrayList<>();
    try (PoolWaiter waiter = noWait ? null : new PoolWaiter(keyHex, poolId)) {
      for (int i = 0; i < hosts.size(); i++) {
        String board = boards.get(i);
        String[] userHost = userAndHost(hosts.get(i));
        Ssh ssh;
        try {
          ssh = Ssh.connect(userHost[0], userHost[1], sshPort, identities, known, Duration.ofSeconds(15), Duration.ofMinutes(15));
        } catch (FlashException e) {
          out.println(board + " " + e.getMessage());
          out.flush();
          reports.add(new Report(board, hosts.get(i), HostFlasher.Outcome.FAILED, e.getMessage()));
          continue;
        }
        try (ssh) {
          HostFlasher flasher = new HostFlasher(ssh, layout, remotePath, bundle, ui(out), yes,
              waiter == null ? null : waiter::await);
          reports.add(flasher.flash(board, facts -> files(layout, board, facts, boards, keyHex, poolId)));
        }
      }
    }
    long ok = reports.stream().filter(Report::ok).count();
    out.printf("%d of %d boards ok:", ok, reports.size());
    for (Report r : reports) { // one per host, in board order
      out.printf(" %s=%s", r.board(), r.outcome().name().toLowerCase(java.util.Locale.ROOT));
    }
    out.println();
    Path dir = writeProfile(profile, keyHex, poolId, boards);
    out.printf("profile %s (current): try 'amoeba pool status'%n", dir);
    out.flush();
    return ok == reports.size() ? 0 : 1;
  }

  private int flashCard(PrintWriter out, Properties profile, Bundle bundle, String keyHex, int poolId) throws IOException {
    SdCard card = SdCard.at(sd);
    List<String> boards = new ArrayList<>(List.of(profile.getProperty("boards", "").split(",")));
    boards.removeIf(String::isBlank);
    String name = sdName;
    if (name == null) {
      int n = 1;
      while (boards.contains("b" + n)) {
        n++;
      }
      name = "b" + n;
    }
    if (!boards.contains(name)) {
      boards.add(name);
    }
    BoardLayout real = new BoardLayout("");
    // Model and memory are unknown until the board boots: bin/amoeba-board reads the model then.
    BoardSettings settings = new BoardSettings(name, "", BoardSettings.javaOpts(0, "", ""),
        interfaceForBoards(), boardNetwork(real, poolId), boards, real);
    out.printf("preparing the card at %s (boot %s, root %s) as board %s of pool '%s'%n",
        sd, card.boot(), card.rootfs(), name, pool);
    if (kernel.net.transport == NetworkOptions.Transport.mqtt
        && (kernel.net.brokerPasswordFile != null || kernel.net.brokerCa != null)) {
      throw new CliFailure("--sd does not copy broker password or CA files yet: flash over --ssh for those");
    }
    for (Path p : card.prepare(bundle, settings, keyHex, line -> out.println("  " + line))) {
      out.println("  wrote " + p);
    }
    out.println("On first boot (network needed), amoeba-firstboot.service installs Java 17 and starts amoeba-board;"
        + " follow it with: journalctl -u amoeba-firstboot -f");
    Path dir = writeProfile(profile, keyHex, poolId, boards);
    out.printf("profile %s (current) now lists %s%n", dir, String.join(",", boards));
    out.flush();
    return 0;
  }

  /** board.conf, the pool key and the unit, plus the broker's secrets for mqtt. */
  private List<ConfigFile> files(BoardLayout layout, String board, HostFlasher.Facts facts, List<String> boards,
      String keyHex, int poolId) {
    String model = BoardSettings.cleanModel(facts.get("model"));
    BoardSettings settings = new BoardSettings(board, model,
        BoardSettings.javaOpts(facts.number("mem_kb"), facts.get("java"), model),
        interfaceForBoards(), boardNetwork(layout, poolId), boards, layout);
    List<ConfigFile> files = new ArrayList<>(HostFlasher.boardFiles(settings, keyHex));
    NetworkOptions net = kernel.net;
    if (net.transport == NetworkOptions.Transport.mqtt) {
      try {
        if (net.brokerPasswordFile != null) {
          files.add(new ConfigFile(layout.brokerPassword(), Files.readAllBytes(net.brokerPasswordFile), "600"));
        }
        if (net.brokerCa != null) {
          files.add(new ConfigFile(layout.brokerCa(), Files.readAllBytes(net.brokerCa), "644"));
        }
      } catch (IOException e) {
        throw new FlashException("cannot read " + e.getMessage(), e);
      }
    }
    return files;
  }

  private String interfaceForBoards() {
    return kernel.net.transport == NetworkOptions.Transport.udp ? boardInterface : "";
  }

  /** The transport options every board boots with. */
  private List<String> boardNetwork(BoardLayout layout, int poolId) {
    NetworkOptions net = kernel.net;
    List<String> o = new ArrayList<>(List.of("--transport", net.transport.name()));
    if (net.transport == NetworkOptions.Transport.udp) {
      // Boards are on different hosts: multicast must cross the LAN (TTL >= 1).
      o.addAll(List.of("--group", net.group, "--group-port", Integer.toString(net.groupPort),
          "--ttl", Integer.toString(Math.max(1, net.ttl)), "--packet-bytes", Integer.toString(net.packetBytes)));
    } else {
      net.mqttConfig(); // fails here, before any host, without a broker
      o.addAll(List.of("--broker", String.join(",", net.brokers)));
      if (net.brokerUser != null) {
        o.addAll(List.of("--broker-user", net.brokerUser));
      }
      if (net.brokerPasswordFile != null) {
        o.addAll(List.of("--broker-password-file", layout.brokerPassword()));
      }
      if (net.brokerCa != null) {
        o.addAll(List.of("--broker-ca", layout.brokerCa()));
      }
    }
    o.addAll(List.of("--pool-id", Integer.toString(poolId)));
    return o;
  }

  /** The key given (--pool-key), else the pool profile's, else a new one. */
  private String poolKeyHex(Properties profile) {
    if (spec.commandLine().getParseResult().hasMatchedOption("--pool-key")) {
      return HexFormat.of().formatHex(kernel.net.poolKey());
    }
    String hex = profile.getProperty("pool-key-hex");
    if (hex != null) {
      return hex;
    }
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return HexFormat.of().formatHex(key);
  }

  private int poolId(Properties profile) {
    if (spec.commandLine().getParseResult().hasMatchedOption("--pool-id")) {
      return kernel.net.poolId;
    }
    String id = profile.getProperty("pool-id");
    return id != null ? Integer.parseInt(id) : 1 + new SecureRandom().nextInt(1 << 30);
  }

  /** The profile: how this machine reaches the pool, its key and boards, and how to flash it again. */
  private Path writeProfile(Properties old, String keyHex, int poolId, List<String> boards) throws IOException {
    NetworkOptions net = kernel.net;
    Properties p = new Properties();
    p.setProperty("transport", net.transport.name());
    if (net.transport == NetworkOptions.Transport.udp) {
      p.setProperty("interface", net.interfaceName);
      p.setProperty("bind", net.bind);
      p.setProperty("ttl", Integer.toString(net.ttl));
      p.setProperty("group", net.group);
      p.setProperty("group-port", Integer.toString(net.groupPort));
    } else {
      p.setProperty("broker", String.join(",", net.brokers));
      putIfSet(p, "broker-user", net.brokerUser);
      putIfSet(p, "broker-password-file", net.brokerPasswordFile);
      putIfSet(p, "broker-ca", net.brokerCa);
    }
    p.setProperty("pool-id", Integer.toString(poolId));
    p.setProperty("pool-key-hex", keyHex);
    p.setProperty("boards", String.join(",", boards));
    if (hosts != null) {
      p.setProperty("ssh", String.join(",", hosts));
      p.setProperty("ssh-port", Integer.toString(sshPort));
      putIfSet(p, "identity", identity);
      putIfSet(p, "known-hosts", knownHosts);
    } else {
      putIfSet(p, "ssh", old.getProperty("ssh"));
    }
    return PoolProfile.write(pool, p);
  }

  private static void putIfSet(Properties p, String key, Object value) {
    if (value != null) {
      p.setProperty(key, value.toString());
    }
  }

  private List<Path> identities() {
    if (identity != null) {
      return List.of(identity);
    }
    Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
    List<Path> found = new ArrayList<>();
    for (String name : List.of("id_ed25519", "id_ecdsa", "id_rsa")) {
      if (Files.isReadable(ssh.resolve(name))) {
        found.add(ssh.resolve(name));
      }
    }
    if (found.isEmpty()) {
      throw new CliFailure("no SSH key in " + ssh + ": make one with ssh-keygen -t ed25519, or give --identity KEY");
    }
    return found;
  }

  private String[] userAndHost(String target) {
    int at = target.lastIndexOf('@');
    String user = at < 0 ? System.getProperty("user.name") : target.substring(0, at);
    String host = target.substring(at + 1);
    if (user.isEmpty() || host.isEmpty() || !host.matches("[A-Za-z0-9._-]+")) {
      throw new ParameterException(spec.commandLine(), "--ssh wants USER@HOST (a name or IPv4 address): " + target);
    }
    return new String[] {user, host};
  }

  private HostFlasher.Ui ui(PrintWriter out) {
    return new HostFlasher.Ui() {
      @Override
      public void progress(String line) {
        out.println(line);
        out.flush();
      }

      @Override
      public boolean confirm(String question) {
        if (System.console() == null) {
          throw new FlashException(question.replaceFirst("\\?$", "") + ": no terminal to ask on; rerun with --yes");
        }
        out.print(question + " [y/N] ");
        out.flush();
        try {
          String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
          return answer != null && answer.strip().toLowerCase(java.util.Locale.ROOT).startsWith("y");
        } catch (IOException e) {
          return false;
        }
      }
    };
  }

  /** Asks a board's sys server for INFO through the CLI's own RPC until it answers or time is up. */
  private final class PoolWaiter implements AutoCloseable {
    private KernelCli.Session session;
    private final String keyHex;
    private final int poolId;

    PoolWaiter(String keyHex, int poolId) {
      this.keyHex = keyHex;
      this.poolId = poolId;
    }

    String await(String board) {
      if (session == null) {
        kernel.net.poolKeyHex = keyHex;
        kernel.net.poolKeyFile = null;
        kernel.net.poolId = poolId;
        session = kernel.open();
      }
      long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
      String last = "no answer";
      while (System.nanoTime() - deadline < 0) {
        try {
          session.sys.info(session.sysServer(board));
          return null;
        } catch (RpcException e) {
          last = e.getMessage();
          // a board that is not up yet answers NOTFOUND at once: do not spin
          LockSupport.parkNanos(Math.min(500_000_000L, Math.max(1, deadline - System.nanoTime())));
        }
      }
      return last + " within " + waitSeconds + " s";
    }

    @Override
    public void close() {
      if (session != null) {
        session.close();
      }
    }
  }

  private static Path runningJar() {
    String classPath = System.getProperty("java.class.path", "");
    return Path.of(classPath.split(java.io.File.pathSeparator)[0]);
  }

  /** The version of this amoeba (null when run from classes, not the jar). */
  private static String version() {
    return FlashCommand.class.getPackage().getImplementationVersion();
  }
}
