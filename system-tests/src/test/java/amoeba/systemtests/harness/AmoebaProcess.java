package amoeba.systemtests.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One {@code amoeba ...} command running in its own JVM on a test host (a board, a client), or
 * another program of the harness there ({@link #startProgram}). Its stdout lines are collected;
 * the harness stops it by PID (TERM, KILL, STOP/CONT).
 */
public final class AmoebaProcess implements AutoCloseable {
  private final Process process;
  private final String label;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final CountDownLatch ended = new CountDownLatch(1);

  private AmoebaProcess(Process process, String label) {
    this.label = label;
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  lines.add(line);
                  synchronized (lines) {
                    lines.notifyAll(); // awaitOutput
                  }
                }
              } catch (IOException e) {
                // the process is gone
              } finally {
                ended.countDown();
                synchronized (lines) {
                  lines.notifyAll();
                }
              }
            },
            "amoeba-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code amoeba ARGS} on {@code host} with a small heap, as a Pi would run it. */
  public static AmoebaProcess start(TestHosts hosts, int host, String... args) {
    return startMain(hosts, host, "amoeba.tools.Amoeba", args);
  }

  /**
   * As {@link #start}, with the process's INFO log on stdout, one line per entry (so a failure
   * can show it through {@link #lines}); tests match stdout lines by prefix, never a log line.
   */
  public static AmoebaProcess startLogging(TestHosts hosts, int host, String... args) {
    List<String> jvm = List.of("-Dtinylog.level=info", "-Dtinylog.writer.stream=out",
        "-Dtinylog.writer.format=log {date: HH:mm:ss.SSS} {level} [{thread}] {class-name}: {message}");
    return startProgram(hosts, host, command(jvm, "amoeba.tools.Amoeba", args));
  }

  /** Starts {@code mainClass ARGS} from the test class path on {@code host}, heap 64 MiB. */
  public static AmoebaProcess startMain(TestHosts hosts, int host, String mainClass, String... args) {
    return startProgram(hosts, host, command(List.of(), mainClass, args));
  }

  private static List<String> command(List<String> jvmOptions, String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.add("-Xmx64m");
    command.add("-Djava.net.preferIPv4Stack=true");
    command.add("-Damoeba.home=" + System.getProperty("amoeba.home", "target/amoeba-home"));
    command.add("-Damoeba.parentPid=" + ProcessHandle.current().pid()); // ends with this JVM
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(List.of(args));
    return command;
  }

  /** Starts {@code command} (a program of the harness) on {@code host}. */
  public static AmoebaProcess startProgram(TestHosts hosts, int host, List<String> command) {
    int main = command.indexOf("-cp") + 2; // the main class; its arguments follow
    List<String> words = command.subList(Math.min(main, command.size()), command.size());
    return new AmoebaProcess(hosts.start(host, command),
        "host " + host + ": " + String.join(" ", words.subList(0, Math.min(5, words.size()))));
  }

  /** Waits up to {@code timeoutMillis} for a stdout line starting with {@code prefix}. */
  public String awaitLine(String prefix, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (System.nanoTime() < deadline) {
      for (String line : lines) {
        if (line.startsWith(prefix)) {
          return line;
        }
      }
      try {
        if (ended.await(20, TimeUnit.MILLISECONDS)) {
          for (String line : lines) {
            if (line.startsWith(prefix)) {
              return line;
            }
          }
          throw new IllegalStateException(
              "process ended without '" + prefix + "'; output: " + lines);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new IllegalStateException("no '" + prefix + "' within " + timeoutMillis + " ms: " + lines);
  }

  /**
   * Waits up to {@code timeoutMillis} until {@code condition} holds for the stdout lines so far;
   * returns whether it did (false also when the process ended without it).
   */
  public boolean awaitOutput(java.util.function.Predicate<List<String>> condition, long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    synchronized (lines) {
      while (true) {
        if (condition.test(List.copyOf(lines))) {
          return true;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0 || ended.getCount() == 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lines, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
  }

  /** Waits for the process to exit (bounded); returns its exit status. */
  public int awaitExit(long timeoutMillis) {
    try {
      if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("did not exit within " + timeoutMillis + " ms: " + lines);
      }
      ended.await(5, TimeUnit.SECONDS);
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** The java process itself (ip netns exec replaces itself with it). */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Resident memory in KiB, from /proc. */
  public long rssKib() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("no /proc entry for " + pid(), e);
    }
    throw new IllegalStateException("no VmRSS for " + pid());
  }

  public void signal(String signal) {
    Shell.run("kill", "-" + signal, Long.toString(pid()));
  }

  /**
   * SIGTERM, then waits for a clean exit, reading what it prints on the way out. (Not
   * Process.destroy(): it closes our end of the child's stdout at once.)
   */
  public int stop() {
    signal("TERM");
    return awaitExit(10_000);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Override
  public String toString() {
    return label;
  }
}
