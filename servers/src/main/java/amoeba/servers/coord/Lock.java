package amoeba.servers.coord;

import amoeba.ipc.rpc.RpcException;
import java.util.Optional;

/**
 * One lock API over the three algorithms ({@link Algorithm}). A lock is named (1..64 of
 * {@code [A-Za-z0-9._/-]}); a {@code Lock} object holds at most one name at a time.
 */
public interface Lock {
  /**
   * Waits until the lock {@code name} is granted, at most {@code timeoutNanos}.
   *
   * @return the grant, or empty if the time ran out (the request is withdrawn)
   */
  Optional<Grant> acquire(String name, long timeoutNanos) throws RpcException, InterruptedException;

  /** Gives the lock back; a grant that is no longer current (lease expired) is ignored. */
  void release(Grant grant) throws RpcException;

  /** Who holds {@code name}, as the answering participant knows it. */
  LockStatus status(String name) throws RpcException;

  /** Checks a lock name; the servers answer BADPARAM to the same rule. */
  static String checkName(String name) {
    if (name == null || !name.matches("[A-Za-z0-9._/-]{1,64}")) {
      throw new IllegalArgumentException("a lock name is 1..64 of [A-Za-z0-9._/-]: " + name);
    }
    return name;
  }
}
