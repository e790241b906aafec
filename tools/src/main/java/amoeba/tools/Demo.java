package amoeba.tools;

import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.BoardPorts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code amoeba emulate --demo}: a guided tour of a running emulated pool. Each step says what it
 * shows, then runs the very commands a user would type (through the same CLI, in this process),
 * printing them and their output: a file stored on two boards, programs placed by the run
 * server, the counter server migrated under a client load, a board killed and masked, a sensor
 * on one board driving a fan on another.
 */
final class Demo {
  private final PrintWriter out;
  private final List<String> boards;
  private final byte[] key;
  private final int poolId;
  private final int groupPort;
  private int step;

  Demo(PrintWriter out, List<String> boards, byte[] key, int poolId, int groupPort) {
    this.out = out;
    this.boards = boards;
    this.key = key;
    this.poolId = poolId;
    this.groupPort = groupPort;
  }

  /** Runs every step; returns false at the first that failed (it says why). */
  boolean run() {
    try {
      files();
      placement();
      migration();
      masking();
      devices();
    } catch (StepFailed e) {
      out.println("demo stopped: " + e.getMessage());
      out.flush();
      return false;
    }
    out.println();
    out.println("demo complete: the pool is still running; try the commands above yourself.");
    out.flush();
    return true;
  }

  private void title(String what) {
    out.printf("%n== %d. %s%n", ++step, what);
    out.flush();
  }

  /** Runs {@code amoeba ARGS} as a user would, printing the command and what it printed. */
  private String amoeba(String... args) {
    return amoeba(0, args);
  }

  /** As {@link #amoeba(String...)}, where exit status {@code allowed} is expected too. */
  private String amoeba(int allowed, String... args) {
    out.println("$ amoeba " + String.join(" ", args));
    StringWriter text = new StringWriter();
    StringWriter errors = new StringWriter();
    int status = Amoeba.run(args, new PrintWriter(text, true), new PrintWriter(errors, true));
    text.toString().lines().forEach(l -> out.println("  " + l));
    errors.toString().lines().forEach(l -> out.println("  " + l));
    out.flush();
    if (status != 0 && status != allowed) {
      throw new StepFailed("'amoeba " + String.join(" ", args) + "' exited with " + status);
    }
    return text.toString();
  }

  private void files() {
    title("One namespace, files on two boards: store a file, read it back by its path");
    Path readme = Path.of("README.md");
    String local = Files.isRegularFile(readme) ? readme.toAbsolutePath().toString() : null;
    if (local == null) {
      try {
        Path tmp = Files.createTempFile("amoeba-demo", ".txt");
        Files.writeString(tmp, "a file of the amoeba-pi demo\n");
        tmp.toFile().deleteOnExit();
        local = tmp.toString();
      } catch (IOException e) {
        throw new StepFailed("cannot write a temporary file: " + e.getMessage());
      }
    }
    amoeba("file", "put", local, "/home/demo");
    amoeba("file", "stat", "/home/demo");
    amoeba("dir", "ls", "/home");
  }

  private void placement() {
    title("Programs run on the pool without naming a board: the run server places each one");
    for (int i = 1; i <= 3; i++) {
      amoeba("run", "/bin/hello", "run", Integer.toString(i));
    }
  }

  private void migration() {
    title("Migration under load: the counter server moves while a client calls it");
    Port get = Port.random(new SecureRandom());
    String[] placed = amoeba("run", "-d", "/bin/counter", get.toString()).trim().split("\\s+");
    if (placed.length < 2) {
      throw new StepFailed("the run server did not say where the counter runs");
    }
    String from = placed[0];
    String pid = placed[1];
    String to = boards.stream().filter(b -> !b.equals(from)).findFirst()
        .orElseThrow(() -> new StepFailed("migration needs two boards"));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong gaps = new AtomicLong();
    try (FlipBox box = box(); Rpc rpc = new Rpc(box, RpcConfig.defaults(), new SecureRandom())) {
      Thread client = new Thread(() -> {
        RpcMessage rq = new RpcMessage();
        long expected = 1;
        while (!stop.get()) {
          RpcMessage reply = rpc.trans(rq.clear().port(get.putPort().value()), 10_000_000_000L);
          if (!reply.ok()) {
            failed.incrementAndGet();
          } else {
            long v = reply.data().getLong(reply.data().position());
            if (v != expected) {
              gaps.incrementAndGet();
            }
            expected = v + 1;
            ok.incrementAndGet();
          }
          LockSupport.parkNanos(1_000_000L); // about 1,000 calls/s at most
        }
      }, "demo-client");
      client.start();
      LockSupport.parkNanos(500_000_000L);
      out.printf("  (a client is calling the counter on %s: %d calls so far)%n", from, ok.get());
      amoeba("migrate", pid, "--on", from, "--to", to);
      LockSupport.parkNanos(500_000_000L);
      stop.set(true);
      client.join(15_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailed("interrupted");
    } catch (IOException e) {
      throw new StepFailed("cannot open a FLIP endpoint: " + e.getMessage());
    }
    out.printf("  %d calls answered, %d failed, %d out of sequence: the move from %s to %s was invisible%n",
        ok.get(), failed.get(), gaps.get(), from, to);
    if (failed.get() > 0 || gaps.get() > 0 || ok.get() == 0) {
      throw new StepFailed("the client noticed the migration");
    }
  }

  private void masking() {
    title("A board dies: the pool masks it (directory majority, file replicas, placement)");
    // The last board holds no directory replica in a pool of four or more.
    String victim = boards.get(boards.size() - 1);
    amoeba("chaos", "kill", victim);
    awaitDown(victim);
    amoeba(1, "pool", "status"); // 1: a board is down, which is the point
    for (int i = 1; i <= 2; i++) {
      amoeba("run", "/bin/hello", "after", victim, "died");
    }
    amoeba("file", "stat", "/home/demo");
    out.println("  (emulate --restart, which the demo turns on, brings " + victim + " back)");
  }

  private void devices() {
    title("Devices anywhere: a thermostat reads the sensor on one board and drives a fan on another");
    String sensorBoard = boards.get(0);
    String fanBoard = boards.get(Math.min(1, boards.size() - 1));
    amoeba("sensor", sensorBoard + "/temp", "read");
    String sensorServer = CapabilityText.format(BoardPorts.owner(key, "devices", sensorBoard));
    String fanServer = CapabilityText.format(BoardPorts.owner(key, "devices", fanBoard));
    amoeba("run", "/bin/thermostat", sensorServer, "temp", fanServer, "fan", "20", "3", "200");
  }

  /** Until {@code board}'s sys server stops answering (bounded: 30 s). */
  private void awaitDown(String board) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      StringWriter text = new StringWriter();
      Amoeba.run(new String[] {"board", "info", board, "--timeout-ms", "300"},
          new PrintWriter(text, true), new PrintWriter(new StringWriter(), true));
      if (text.toString().isEmpty()) {
        return;
      }
      LockSupport.parkNanos(200_000_000L);
    }
    throw new StepFailed(board + " still answers after kill -9");
  }

  private FlipBox box() throws IOException {
    return new FlipBox(BoxConfig.defaults(poolId).withPoolKey(key),
        List.of(new UdpNetwork(UdpConfig.builder().groupPort(groupPort).build())), new SecureRandom());
  }

  /** A step that did not go as shown; the demo stops with its reason. */
  private static final class StepFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StepFailed(String why) {
      super(why);
    }
  }
}
