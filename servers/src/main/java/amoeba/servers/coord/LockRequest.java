package amoeba.servers.coord;

import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.Wire;

/**
 * A decoded and checked lock command (ACQUIRE..STATUS): servers decode into this, answer
 * BADPARAM on {@link Wire.Malformed}, and only then act.
 *
 * @param leaseMillis 100 ms .. 10 min (ACQUIRE, RENEW)
 * @param waitMillis 0 .. {@link RemoteLock#POLL_MILLIS} (ACQUIRE; longer waits are capped)
 */
public record LockRequest(
    Algorithm algorithm, String name, long client, String label, long fence, int leaseMillis,
    int waitMillis) {
  public static final int MIN_LEASE_MILLIS = 100;
  public static final int MAX_LEASE_MILLIS = 600_000;
  private static final int MAX_LABEL = 128;

  public static LockRequest decode(CoordCommand command, RpcMessage request) throws Wire.Malformed {
    Wire.In in = new Wire.In(request.data());
    Algorithm algo;
    String name;
    try {
      algo = Algorithm.fromWire(in.u8());
      name = Lock.checkName(in.str());
    } catch (IllegalArgumentException e) {
      throw new Wire.Malformed(e.getMessage());
    }
    long client = 0;
    String label = "";
    long fence = 0;
    int lease = 0;
    int wait = 0;
    switch (command) {
      case ACQUIRE -> {
        client = in.i64();
        label = in.str();
        lease = lease(in.i32());
        wait = Math.min(Math.max(0, in.i32()), RemoteLock.POLL_MILLIS);
        if (label.length() > MAX_LABEL) {
          throw new Wire.Malformed("label longer than " + MAX_LABEL);
        }
      }
      case RELEASE -> {
        client = in.i64();
        fence = in.i64();
      }
      case RENEW -> {
        client = in.i64();
        fence = in.i64();
        lease = lease(in.i32());
      }
      case CANCEL -> client = in.i64();
      case STATUS -> { }
      default -> throw new Wire.Malformed("not a lock command: " + command);
    }
    return new LockRequest(algo, name, client, label, fence, lease, wait);
  }

  private static int lease(int millis) throws Wire.Malformed {
    if (millis < MIN_LEASE_MILLIS || millis > MAX_LEASE_MILLIS) {
      throw new Wire.Malformed("lease " + millis + " ms is outside " + MIN_LEASE_MILLIS + ".." + MAX_LEASE_MILLIS);
    }
    return millis;
  }
}
