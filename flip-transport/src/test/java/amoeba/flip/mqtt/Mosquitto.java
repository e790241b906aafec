package amoeba.flip.mqtt;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real mosquitto for tests: a free port on 127.0.0.1, a config file in a temporary folder
 * (anonymous, or with a password file made by {@code mosquitto_passwd}), started as a child
 * process and stopped by its PID. {@link #kill()} and {@link #start()} restart it on the same
 * port. Tests call {@link #assumeInstalled()} first: without the Debian package they are skipped
 * with a message saying how to get it (CI installs it, see .ci/run).
 */
final class Mosquitto implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/mosquitto");
  static final Path SUB = Path.of("/usr/bin/mosquitto_sub");
  static final Path PASSWD = Path.of("/usr/bin/mosquitto_passwd");
  static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

  final Path dir;
  final int port;
  private Process process;

  static void assumeInstalled() {
    assumeTrue(Files.isExecutable(BINARY) && Files.isExecutable(SUB) && Files.isExecutable(PASSWD),
        "mosquitto is not installed (" + BINARY + ", " + SUB + ", " + PASSWD
            + "): apt-get install -y mosquitto mosquitto-clients");
  }

  /** An anonymous broker. */
  static Mosquitto anonymous() throws IOException {
    return new Mosquitto(null, null);
  }

  /** A broker that accepts only {@code user} with {@code password}. */
  static Mosquitto withPassword(String user, String password) throws IOException {
    return new Mosquitto(user, password);
  }

  private Mosquitto(String user, String password) throws IOException {
    // Readable by all: mosquitto started as root drops to user "mosquitto" and must still read
    // its password file here. It logs to stderr, which we redirect to a file we open.
    dir = Files.createTempDirectory("mosquitto-test",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    port = freePort();
    StringBuilder conf = new StringBuilder();
    conf.append("listener ").append(port).append(" 127.0.0.1\n");
    conf.append("persistence false\n");
    if (user == null) {
      conf.append("allow_anonymous true\n");
    } else {
      Path passwords = dir.resolve("passwd");
      run(List.of(PASSWD.toString(), "-c", "-b", passwords.toString(), user, password));
      conf.append("allow_anonymous false\n");
      conf.append("password_file ").append(passwords).append('\n');
    }
    Files.writeString(dir.resolve("mosquitto.conf"), conf, StandardCharsets.UTF_8);
    try {
      start();
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  String url() {
    return "tcp://127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  /** Starts the broker (again) on the same port; returns once it accepts TCP connections. */
  void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("already running");
    }
    process =
        new ProcessBuilder(BINARY.toString(), "-c", dir.resolve("mosquitto.conf").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.txt").toFile())
            .start();
    long deadline = System.nanoTime() + START_TIMEOUT_NS;
    while (!accepts()) {
      if (!process.isAlive() || System.nanoTime() - deadline > 0) {
        process.destroyForcibly();
        throw new IOException("mosquitto did not start on port " + port + ":\n"
            + Files.readString(dir.resolve("stdout.txt")));
      }
      LockSupport.parkNanos(10_000_000L); // bounded polling: 10 ms steps up to the deadline
    }
  }

  private boolean accepts() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Kills the broker abruptly (SIGKILL by PID), like a crash or a power cut. */
  void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Stops the broker by PID (SIGTERM, then SIGKILL) and deletes its folder. */
  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static void run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException(command + " failed: "
            + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
