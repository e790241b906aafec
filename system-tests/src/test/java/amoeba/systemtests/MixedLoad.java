package amoeba.systemtests;

import amoeba.capabilities.Capability;
import amoeba.capabilities.Port;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.bullet.BulletClient;
import amoeba.servers.directory.DirectoryClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A client host's program: a mixed load on the pool until SIGTERM or {@code seconds}, every
 * result printed as one line when it completes: the op lines of {@link RegisterClients}, the
 * others "KIND INVOKE RESPONSE OUTCOME" (times are System.nanoTime: on Linux one monotonic clock
 * for every process of the machine, so the test compares them with its own):
 *
 * <ul>
 *   <li>{@code threads} directory clients: LOOKUPs and INSTALLs on register rows ("op ...");
 *   <li>a writer: files of 1..{@code max-bytes} random bytes on Bullet boards b1..b{boards}, 2
 *       replicas, committed safely, one per {@link #FILE_PACE_NANOS}: "file ... committed I CAPS
 *       SHA256" or "file ... failed I MESSAGE" ({@link BulletFiles#create});
 *   <li>a reader: an earlier committed file (at random) read through its capability set (any
 *       live replica) and its SHA-256 compared, one per {@link #READ_PACE_NANOS}: "read ...
 *       ok|bad|unreadable I [REASON]";
 *   <li>a caller of the echo service at {@code service-port} (its get-port; the example program
 *       {@code echo}, kept running by the boot server), one per {@link #ECHO_PACE_NANOS}: "echo
 *       ... ok|wrong-data|STATUS".
 * </ul>
 *
 * Prints "ready" once the directory answered (it creates /lin). Bounded: every call has a
 * timeout, every loop a count. Args: seed threads rows boards max-bytes seconds service-port
 * key-hex address.
 */
public final class MixedLoad {
  static final long FILE_PACE_NANOS = 150_000_000L;
  static final long READ_PACE_NANOS = 100_000_000L;
  static final long ECHO_PACE_NANOS = 200_000_000L;
  static final long ECHO_TIMEOUT_NANOS = 1_000_000_000L;
  /** Most files one run writes: bounds the disk a run whose end never comes could fill. */
  static final int MAX_FILES = 2_000;
  /** Most calls per thread of the other kinds. */
  static final int MAX_CALLS = 20_000;

  public static void main(String[] args) throws Exception {
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[0]));
    int threads = Integer.parseInt(args[1]);
    int rows = Integer.parseInt(args[2]);
    int boards = Integer.parseInt(args[3]);
    int maxBytes = Integer.parseInt(args[4]);
    long deadline = System.nanoTime() + Long.parseLong(args[5]) * 1_000_000_000L;
    Port service = Port.parse(args[6]).putPort();
    try (ClientHost host = ClientHost.open(args[7], args[8]);
        BulletClient writer = BulletFiles.client(host);
        BulletClient reader = BulletFiles.client(host)) {
      DirectoryClient dir = new DirectoryClient(BoardPorts.rootDirectory(host.key), host.rpc,
          RegisterClients.CALL_TIMEOUT_NANOS);
      RegisterClients.createFolder(dir, deadline);
      System.out.println("ready");
      System.out.flush();
      // the longest call: a create that tries every board in turn, each with its timeout
      LoadThreads load = new LoadThreads(System.out, deadline, (boards + 1) * BulletFiles.TIMEOUT_NANOS / 1_000_000L);
      RegisterClients.start(load, dir, random.split(), threads, MAX_CALLS, rows);
      List<Capability> servers = BulletFiles.servers(host.key, boards);
      List<String[]> committed = new ArrayList<>(); // {i, caps, sha256}; guarded by itself
      SplittableRandom files = random.split();
      load.start("writer", () -> {
        for (int i = 0; i < MAX_FILES && load.running(); i++) {
          long invoke = System.nanoTime();
          String outcome = create(writer, servers, files, i, maxBytes);
          load.record(line("file", invoke, outcome));
          String[] f = outcome.split(" ");
          if (f[0].equals("committed")) {
            synchronized (committed) {
              committed.add(new String[] {f[1], f[2], f[3]});
            }
          }
          LockSupport.parkNanos(FILE_PACE_NANOS);
        }
      });
      SplittableRandom picks = random.split();
      load.start("reader", () -> {
        for (int n = 0; n < MAX_CALLS && load.running(); n++) {
          String[] file = null;
          synchronized (committed) {
            if (!committed.isEmpty()) {
              file = committed.get(picks.nextInt(committed.size()));
            }
          }
          if (file != null) {
            long invoke = System.nanoTime();
            String[] verdict = BulletFiles.check(reader, file[1], file[2]).split(" ", 2);
            load.record(line("read", invoke, verdict[0] + " " + file[0] + (verdict.length > 1 ? " " + verdict[1] : "")));
          }
          LockSupport.parkNanos(READ_PACE_NANOS);
        }
      });
      load.start("echo", () -> {
        for (long n = 0; n < MAX_CALLS && load.running(); n++) {
          long invoke = System.nanoTime();
          RpcMessage reply = host.rpc.trans(new RpcMessage().port(service.value())
              .data(ByteBuffer.allocate(8).putLong(0, n)), ECHO_TIMEOUT_NANOS);
          boolean echoed = reply.ok() && reply.dataLength() == 8 && reply.data().getLong(reply.data().position()) == n;
          load.record(line("echo", invoke, echoed ? "ok" : reply.ok() ? "wrong-data" : reply.error().name()));
          LockSupport.parkNanos(ECHO_PACE_NANOS);
        }
      });
      load.awaitEnd();
    }
  }

  /** "KIND INVOKE RESPONSE OUTCOME": the response time is now. */
  static String line(String kind, long invoke, String outcome) {
    return kind + " " + invoke + " " + System.nanoTime() + " " + outcome;
  }

  private static String create(BulletClient bullet, List<Capability> servers, SplittableRandom random, int i,
      int maxBytes) {
    try {
      return BulletFiles.create(bullet, servers, random, i, maxBytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
