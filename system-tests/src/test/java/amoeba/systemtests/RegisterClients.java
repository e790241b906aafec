package amoeba.systemtests;

import amoeba.capabilities.ErrorCode;
import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.directory.DirectoryClient;
import amoeba.servers.directory.LinearizabilityChecker.Kind;
import amoeba.servers.directory.LinearizabilityChecker.Op;
import amoeba.servers.directory.RegisterClient;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

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
    byte[] key = HexFormat.of().parseHex(args[5]);
    UdpConfig udp = UdpConfig.builder().interfaceName("eth0").bindAddress(args[6]).ttl(1).build();
    PrintStream out = System.out;
    try (FlipBox box = new FlipBox(BoxConfig.defaults(1).withPoolKey(key),
        List.of(new UdpNetwork(udp)), new SecureRandom())) {
      Rpc rpc = new Rpc(box, RpcConfig.defaults(), new SecureRandom());
      DirectoryClient dir = new DirectoryClient(BoardPorts.rootDirectory(key), rpc, CALL_TIMEOUT_NANOS);
      createFolder(dir, deadline);
      out.println("ready");
      out.flush();
      SplittableRandom random = new SplittableRandom(seed);
      List<Thread> clients = new ArrayList<>();
      long[] recorded = new long[1];
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      for (int c = 0; c < threads; c++) {
        int client = c;
        RegisterClient registers = new RegisterClient(client, dir, random.nextLong());
        SplittableRandom rowChoice = random.split();
        Thread t = new Thread(() -> {
          for (int i = 0; i < ops && !stop.get() && System.nanoTime() < deadline; i++) {
            String row = DIR + "/r" + rowChoice.nextInt(rows);
            Op op = registers.next(row, client * 1_000_000L + i + 1);
            if (op != null) {
              synchronized (out) {
                out.println(format(row, op));
                out.flush();
                recorded[0]++;
              }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(PACE_NANOS); // the client's rate
          }
        }, "client-" + c);
        clients.add(t);
        t.start();
      }
      Thread end = new Thread(() -> {
        stop.set(true);
        for (Thread t : clients) {
          try {
            t.join(2 * CALL_TIMEOUT_NANOS / 1_000_000L);
          } catch (InterruptedException e) {
            return;
          }
        }
        synchronized (out) {
          out.println("done " + recorded[0]);
          out.flush();
        }
      }, "stop-clients");
      Runtime.getRuntime().addShutdownHook(end); // SIGTERM: the clients finish their calls
      for (Thread t : clients) {
        t.join();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(end);
        end.run(); // ended by count or time: print the total
      } catch (IllegalStateException shuttingDown) {
        // the hook prints it
      }
      rpc.close();
    }
  }

  /** Creates /lin, retrying while the replicas elect and answer; an existing one is fine. */
  private static void createFolder(DirectoryClient dir, long deadline) throws InterruptedException {
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
