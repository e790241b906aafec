package amoeba.tools.bench;

import amoeba.tools.Amoeba;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A peer a benchmark starts itself: this same program ({@code amoeba ARGS...}) in a child JVM.
 * It answers with one line starting with "ready" on stdout; the benchmark reads it, measures,
 * and stops the child by PID when closed; a child also exits by itself once this process has
 * ended, however it ended, so a killed benchmark or pool leaves no orphans. Children inherit the CPU affinity of the parent, so
 * {@code taskset -c 0 bin/amoeba bench ...} pins every process of the run.
 */
public final class PeerProcess implements AutoCloseable {
  private final Process process;
  private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(256);
  private final String ready;

  public PeerProcess(List<String> amoebaArgs, long readyTimeoutMillis) throws IOException {
    this(List.of(), amoebaArgs, readyTimeoutMillis);
  }

  /**
   * A benchmark's child: it reads no pool profile (the user's current one may name a real
   * pool's interface, transport or pool id), so everything it uses is on its command line. It logs
   * warnings and errors only: its INFO lines (boards starting, groups forming) would bury the
   * benchmark's rows; a {@code -Dtinylog.level} in {@code jvmArgs} overrides.
   */
  public static PeerProcess withoutProfile(List<String> amoebaArgs, long readyTimeoutMillis)
      throws IOException {
    return withoutProfile(List.of(), amoebaArgs, readyTimeoutMillis);
  }

  public static PeerProcess withoutProfile(
      List<String> jvmArgs, List<String> amoebaArgs, long readyTimeoutMillis) throws IOException {
    List<String> jvm = new ArrayList<>();
    jvm.add("-Dtinylog.level=warn");
    jvm.addAll(jvmArgs);
    jvm.add("-Damoeba.pool=none");
    return new PeerProcess(jvm, amoebaArgs, readyTimeoutMillis);
  }

  /** @param jvmArgs options for the child JVM, e.g. -Xmx48m */
  public PeerProcess(List<String> jvmArgs, List<String> amoebaArgs, long readyTimeoutMillis)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-Djava.net.preferIPv4Stack=true");
    if (System.getProperty("amoeba.home") != null) {
      command.add("-Damoeba.home=" + System.getProperty("amoeba.home")); // the same profiles
    }
    // It exits when we do, even when killed before close() (a later -D in jvmArgs overrides).
    command.add("-D" + Amoeba.PARENT_PID_PROPERTY + "=" + ProcessHandle.current().pid());
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(classPath());
    command.add("amoeba.tools.Amoeba");
    command.addAll(amoebaArgs);
    process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.offer(line);
                }
              } catch (IOException e) {
                // the child is gone; close() reports what it has to
              }
            },
            "peer-stdout");
    reader.setDaemon(true);
    reader.start();
    String line;
    try {
      do {
        line = lines.poll(readyTimeoutMillis, TimeUnit.MILLISECONDS);
      } while (line != null && !line.startsWith("ready"));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      line = null;
    }
    if (line == null) {
      close();
      throw new IOException("the peer process did not get ready: " + String.join(" ", amoebaArgs));
    }
    ready = line;
  }

  /** The words of the child's "ready ..." line, after "ready". */
  public String[] ready() {
    return ready.substring("ready".length()).trim().split("\\s+");
  }

  /**
   * The next line of the child's output that contains {@code text} (earlier lines are skipped),
   * or null if none came within the time.
   */
  public String awaitLine(String text, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (true) {
      String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null || line.contains(text)) {
        return line;
      }
    }
  }

  /** Waits for the child to end by itself; its exit status, or -1 if it still runs. */
  public int awaitExit(long timeoutMillis) throws InterruptedException {
    return process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** The running program's class path: the shaded jar, or the build's folders in tests. */
  private static String classPath() {
    return System.getProperty("java.class.path");
  }

  /** Asks the child to stop (SIGTERM) without waiting: stop many at once, then close each. */
  public void terminate() {
    process.destroy();
  }

  /**
   * SIGTERM, then up to 10 s for a clean exit (a board or a pool closes its servers and
   * children in its shutdown hook: cutting that short orphans them), then SIGKILL.
   */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
