package amoeba.servers.directory;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.ipc.rpc.RpcException;
import amoeba.servers.directory.LinearizabilityChecker.Op;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One client of registers kept in directory rows: each row holds one capability whose object
 * number is the register's value. Operations are read (lookup), write (install without compare)
 * and compare-and-set (install comparing with the value this client last read). Each returns the
 * {@link Op} to record for the linearizability checker, or null when it certainly did not run.
 * Public test code: system-tests runs it on a client host too.
 */
public final class RegisterClient {
  private final int client;
  private final DirectoryClient dir;
  private final SplittableRandom random;
  /** The value this client last read, per row: what its next CAS on that row compares with. */
  private final java.util.Map<String, Long> lastSeen = new java.util.HashMap<>();

  public RegisterClient(int client, DirectoryClient dir, long seed) {
    this.client = client;
    this.dir = dir;
    this.random = new SplittableRandom(seed);
  }

  public static CapabilitySet encode(long v) {
    return CapabilitySet.of(new Capability(new Port(0x5E7L), (int) v, 0xFF, 0x42L));
  }

  public static Long decode(CapabilitySet set) {
    return set == null ? null : (long) set.first().object();
  }

  /** A failed call's outcome: certainly not applied, or maybe applied. */
  static boolean notApplied(RpcException e) {
    return e.status() == ErrorCode.NOTNOW.code(); // refused before it was sent (the CP rule)
    // FAILURE, timeouts: it may have been ordered
  }

  /**
   * Runs a random operation on {@code row} (a path below the root), writing {@code value} if it
   * writes (values must be unique in a history). Returns the operation to record, or null.
   */
  public Op next(String row, long value) {
    int kind = random.nextInt(3);
    Long expected = lastSeen.get(row);
    long invoke = System.nanoTime();
    try {
      switch (kind) {
        case 0 -> {
          Long v;
          try {
            v = decode(dir.lookup(dir.root(), row));
          } catch (RpcException e) {
            if (e.status() != ErrorCode.NO_SUCH_OBJECT.code()) {
              throw e;
            }
            v = null;
          }
          lastSeen.put(row, v);
          return Op.read(client, v, invoke, System.nanoTime());
        }
        case 1 -> {
          dir.install(dir.root(), List.of(new DirectoryClient.InstallItem(row, false, null, encode(value))));
          return Op.write(client, value, invoke, System.nanoTime());
        }
        default -> {
          boolean ok;
          try {
            dir.install(dir.root(), List.of(new DirectoryClient.InstallItem(row, true,
                expected == null ? null : encode(expected), encode(value))));
            ok = true;
          } catch (RpcException e) {
            if (e.status() != ErrorCode.EXISTS.code()) {
              throw e;
            }
            ok = false;
          }
          return Op.cas(client, expected, value, ok, invoke, System.nanoTime());
        }
      }
    } catch (RpcException e) {
      if (notApplied(e) || kind == 0) {
        return null; // a read that failed constrains nothing
      }
      return kind == 1 ? Op.write(client, value, invoke, Long.MAX_VALUE)
          : Op.cas(client, expected, value, false, invoke, Long.MAX_VALUE);
    }
  }
}
