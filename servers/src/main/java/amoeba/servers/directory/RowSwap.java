package amoeba.servers.directory;

import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import java.util.List;

/**
 * Compare-and-swap of one row of the namespace: an INSTALL of one item that holds only if the
 * row still names what the caller saw, so a concurrent update is never overwritten. A call whose
 * outcome the reply does not tell (lost contact) is settled by a lookup: the replacement names
 * fresh capabilities nobody else installs, so finding it there means the swap applied.
 */
public final class RowSwap {
  private RowSwap() {}

  /** How a swap ended. */
  public enum Result {
    /** The row now names the replacement. */
    SWAPPED,
    /** The row named something else than expected ({@link Outcome#current}; null: absent): nothing changed. */
    CHANGED,
    /** Refused or not applied ({@link Outcome#why}): the replacement is named nowhere. */
    FAILED,
    /** Not known whether it applied (the directory did not answer the settling lookup either). */
    UNKNOWN
  }

  /** A swap's result; {@code current} for CHANGED, {@code why} for FAILED and UNKNOWN. */
  public record Outcome(Result result, CapabilitySet current, String why) {}

  /**
   * Points {@code path} (absolute) at {@code replacement} if it names {@code expected} now
   * (null: if it is absent, then it is added).
   */
  public static Outcome swap(DirectoryClient dir, String path, CapabilitySet expected, CapabilitySet replacement) {
    RpcException error;
    try {
      dir.install(dir.root(), List.of(new DirectoryClient.InstallItem(path, true, expected, replacement)));
      return new Outcome(Result.SWAPPED, null, "");
    } catch (RpcException e) {
      error = e;
    }
    CapabilitySet now;
    try {
      now = dir.lookup(path);
    } catch (RpcException e) {
      if (e.status() != ErrorCode.NO_SUCH_OBJECT.code()) {
        return new Outcome(error.status() == ErrorCode.EXISTS.code() ? Result.FAILED : Result.UNKNOWN, null,
            error.getMessage() + "; then " + e.getMessage());
      }
      now = null;
    }
    if (replacement.equals(now)) {
      return new Outcome(Result.SWAPPED, null, "");
    }
    if (error.status() == ErrorCode.EXISTS.code() || !java.util.Objects.equals(now, expected)) {
      return new Outcome(Result.CHANGED, now, error.getMessage());
    }
    return new Outcome(Result.FAILED, null, error.getMessage());
  }
}
