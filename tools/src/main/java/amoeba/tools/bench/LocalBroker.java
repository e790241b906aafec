package amoeba.tools.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A mosquitto of the benchmark's own, on 127.0.0.1 and a free port, anonymous, without
 * persistence, without Nagle's delay; stopped by PID when closed. For `amoeba bench mqtt` without --broker.
 */
public final class LocalBroker implements AutoCloseable {
  private final Process process;
  private final Path dir;
  private final int port;

  /** Null if no mosquitto binary is installed here. */
  public static LocalBroker startIfInstalled() throws IOException {
    for (String candidate : new String[] {"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"}) {
      if (Files.isExecutable(Path.of(candidate))) {
        return new LocalBroker(candidate);
      }
    }
    return null;
  }

  private LocalBroker(String binary) throws IOException {
    dir = Files.createTempDirectory("amoeba-bench-mqtt");
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path conf = dir.resolve("mosquitto.conf");
    Files.writeString(conf,
        // set_tcp_nodelay: mosquitto keeps Nagle's algorithm on by default, and a packet it
        // forwards while the previous one is unacknowledged then waits for a delayed ACK (40 ms).
        "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
            + "set_tcp_nodelay true\n");
    process = new ProcessBuilder(binary, "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          break;
        }
        LockSupport.parkNanos(20_000_000L);
      }
    }
    close();
    throw new IOException("mosquitto did not start; see " + dir.resolve("mosquitto.log"));
  }

  public String url() {
    return "tcp://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
