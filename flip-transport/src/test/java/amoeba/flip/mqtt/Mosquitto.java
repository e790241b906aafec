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
 * (anonymous, with a password file made by {@code mosquitto_passwd}, or a TLS listener with a
 * CA and server certificate made by {@code openssl} at test time), started as a child process
 * and stopped by its PID. {@link #kill()} and {@link #start()} restart it on the same port.
 * Tests call {@link #assumeInstalled()} first: without the Debian package they are skipped with
 * a message saying how to get it (CI installs it, see .ci/run).
 */
public final class Mosquitto implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/sbin/mosquitto");
  static final Path SUB = Path.of("/usr/bin/mosquitto_sub");
  static final Path PASSWD = Path.of("/usr/bin/mosquitto_passwd");
  static final Path OPENSSL = Path.of("/usr/bin/openssl");
  static final long START_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

  final Path dir;
  final int port;
  /** The CA that signed the TLS listener's certificate (PEM), or null for a plain listener. */
  private final Path caFile;
  private Process process;

  public static void assumeInstalled() {
    assumeTrue(Files.isExecutable(BINARY) && Files.isExecutable(SUB) && Files.isExecutable(PASSWD),
        "mosquitto is not installed (" + BINARY + ", " + SUB + ", " + PASSWD
            + "): apt-get install -y mosquitto mosquitto-clients");
  }

  /** Skips the test unless {@code openssl} is there to make certificates. */
  public static void assumeOpenssl() {
    assumeTrue(Files.isExecutable(OPENSSL), OPENSSL + " is not installed: apt-get install -y openssl");
  }

  /** An anonymous broker. */
  public static Mosquitto anonymous() throws IOException {
    return new Mosquitto(null, null, false);
  }

  /** A broker that accepts only {@code user} with {@code password}. */
  public static Mosquitto withPassword(String user, String password) throws IOException {
    return new Mosquitto(user, password, false);
  }

  /**
   * An anonymous broker with only a TLS listener, whose certificate (for IP 127.0.0.1) is signed
   * by a CA made for it: {@link #caFile()}. {@link #url()} is {@code ssl://}.
   */
  public static Mosquitto withTls() throws IOException {
    assumeOpenssl();
    return new Mosquitto(null, null, true);
  }

  private Mosquitto(String user, String password, boolean tls) throws IOException {
    // Readable by all: mosquitto started as root drops to user "mosquitto" and must still read
    // its password file here. It logs to stderr, which we redirect to a file we open.
    dir = Files.createTempDirectory("mosquitto-test",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    port = freePort();
    StringBuilder conf = new StringBuilder();
    conf.append("listener ").append(port).append(" 127.0.0.1\n");
    conf.append("set_tcp_nodelay true\n"); // as README advises: no 40 ms Nagle stalls
    if (tls) {
      caFile = newCa(dir, "ca");
      Path key = dir.resolve("server.key");
      Path cert = dir.resolve("server.crt");
      signedCertificate(dir, caFile, "IP:127.0.0.1", key, cert);
      conf.append("cafile ").append(caFile).append('\n');
      conf.append("certfile ").append(cert).append('\n');
      conf.append("keyfile ").append(key).append('\n');
    } else {
      caFile = null;
    }
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

  public String url() {
    return (caFile == null ? "tcp" : "ssl") + "://127.0.0.1:" + port;
  }

  /** The PEM file of the CA that signed this broker's certificate; null without TLS. */
  public Path caFile() {
    return caFile;
  }

  /**
   * Makes a self-signed CA in {@code dir}: {@code name.crt} (returned) and {@code name.key}.
   * EC P-256, valid for two days: made fresh for every test.
   */
  public static Path newCa(Path dir, String name) throws IOException {
    Path cert = dir.resolve(name + ".crt");
    run(List.of(OPENSSL.toString(), "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=amoeba test " + name,
        "-keyout", dir.resolve(name + ".key").toString(), "-out", cert.toString()));
    return cert;
  }

  /**
   * Makes a key and a certificate for {@code subjectAltName} (e.g. {@code IP:127.0.0.1}) signed
   * by the CA {@link #newCa} made as {@code caCert}. The key is world-readable: mosquitto started
   * as root drops to user "mosquitto" and must read it (a throwaway key in a temporary folder).
   */
  private static void signedCertificate(Path dir, Path caCert, String subjectAltName, Path key, Path cert)
      throws IOException {
    Path caKey = caCert.resolveSibling(caCert.getFileName().toString().replace(".crt", ".key"));
    Path csr = dir.resolve("server.csr");
    Path ext = dir.resolve("server.ext");
    Files.writeString(ext, "subjectAltName=" + subjectAltName + "\n");
    run(List.of(OPENSSL.toString(), "req", "-new", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=amoeba test broker",
        "-keyout", key.toString(), "-out", csr.toString()));
    run(List.of(OPENSSL.toString(), "x509", "-req", "-in", csr.toString(), "-CA",
        caCert.toString(), "-CAkey", caKey.toString(), "-CAcreateserial", "-days", "2",
        "-extfile", ext.toString(), "-out", cert.toString()));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
  }

  public long pid() {
    return process.pid();
  }

  /** Starts the broker (again) on the same port; returns once it accepts TCP connections. */
  public void start() throws IOException {
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
  public void kill() throws InterruptedException {
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
