package amoeba.systemtests;

import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.directory.DirectoryClient;
import amoeba.servers.directory.LinearizabilityChecker.Kind;
import amoeba.servers.directory.LinearizabilityChecker.Op;
import amoeba.servers.directory.RegisterClient;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A client host's program: {@code threads} clients of the pool's directory each run register
 * operations ({@link RegisterClient}: read, write, CAS) on rows {@code /lin/r0..}, one per
 * {@link #PACE_NANOS}, and print one line per recorded operation ({@link #format}) as it
 * completes. Prints "ready" once the directory answered (it creates /lin). Runs until SIGTERM
 * (each client finishes its call in flight, then "done N" is printed), {@code ops} operations per
 * client, or {@code seconds}: every call has a timeout. Times are System.nanoTime of this JVM.
 * Args: seed threads ops rows seconds key-hex address.
 */
public final class RegisterClients {
  static final String DIR = "lin";
  static final long CALL_TIMEOUT_NANOS = 3_000_000_000L;
  /** Each client's rate: one operation per 40 ms keeps histories small enough to check. */
  static final long PACE_NANOS = 40_000_000L;

  public static void main(String[] args) throws Exception {
    long seed = Long.parseLong(args[0]);
    int threads = Integer.parseInt(args[1]);
    int ops = Integer.parseInt(args[2]);
    int rows = Integer.parseInt(args[3]);
    long deadline = System.nanoTime() + Long.parseLong(args[4]) * 1_000_000_000L;
    try (ClientHost host = ClientHost.open(args[5], args[6])) {
      DirectoryClient dir = new DirectoryClient(BoardPorts.rootDirectory(host.key), host.rpc, CALL_TIMEOUT_NANOS);
      createFolder(dir, deadline);
      System.out.println("ready");
      System.out.flush();
      LoadThreads load = new LoadThreads(System.out, deadline, 2 * CALL_TIMEOUT_NANOS / 1_000_000L);
      start(load, dir, new SplittableRandom(seed), threads, ops, rows);
      load.awaitEnd();
    }
  }

  /**
   * Starts {@code threads} register clients on rows /lin/r0..r{rows-1} (made by {@link
   * #createFolder}), {@code ops} operations each at most, one per {@link #PACE_NANOS}; each
   * recorded operation becomes an op line ({@link #format}).
   */
  static void start(LoadThreads load, DirectoryClient dir, SplittableRandom random, int threads, int ops, int rows) {
    for (int c = 0; c < threads; c++) {
      int client = c;
      RegisterClient registers = new RegisterClient(client, dir, random.nextLong());
      SplittableRandom rowChoice = random.split();
      load.start("client-" + c, () -> {
        for (int i = 0; i < ops && load.running(); i++) {
          String row = DIR + "/r" + rowChoice.nextInt(rows);
          Op op = registers.next(row, client * 1_000_000L + i + 1);
          if (op != null) {
            load.record(format(row, op));
          }
          LockSupport.parkNanos(PACE_NANOS); // the client's rate
        }
      });
    }
  }

  /** Creates /lin, retrying while the replicas elect and answer; an existing one is fine. */
  static void createFolder(DirectoryClient dir, long deadline) throws InterruptedException {
    while (true) {
      try {
        dir.mkdir("/" + DIR);
        return;
      } catch (RpcException e) {
        if (e.status() == ErrorCode.EXISTS.code()) {
          return; // an earlier try that timed out made it
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the directory never answered: " + e.getMessage(), e);
        }
        Thread.sleep(200); // the replicas are still starting: nothing to wait on from here
      }
    }
  }

  /** "op ROW CLIENT KIND VALUE EXPECTED OK INVOKE RESPONSE", '-' for absent, RESPONSE '?' if unknown. */
  static String format(String row, Op op) {
    return String.format(Locale.ROOT, "op %s %d %s %s %s %b %d %s", row, op.client(), op.kind(),
        text(op.value()), text(op.expected()), op.succeeded(), op.invokeNanos(),
        op.unknown() ? "?" : Long.toString(op.responseNanos()));
  }

  private static String text(Long v) {
    return v == null ? "-" : v.toString();
  }

  /** The row of an op line. */
  static String row(String line) {
    return line.split(" ")[1];
  }

  /** The operation of an op line ({@link #format}). */
  static Op parse(String line) {
    String[] f = line.split(" ");
    return new Op(Integer.parseInt(f[2]), Kind.valueOf(f[3]), value(f[4]), value(f[5]),
        Boolean.parseBoolean(f[6]), Long.parseLong(f[7]), f[8].equals("?") ? Long.MAX_VALUE : Long.parseLong(f[8]));
  }

  private static Long value(String s) {
    return s.equals("-") ? null : Long.valueOf(s);
  }
}
