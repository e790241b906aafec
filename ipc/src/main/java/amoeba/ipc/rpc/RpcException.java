package amoeba.ipc.rpc;

import amoeba.capabilities.ErrorCode;

/** A call that came back with a status other than OK: an RPC-level error or the server's. */
public final class RpcException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;

  public RpcException(int status, String what) {
    super(what + ": " + ErrorCode.fromCode(status).map(ErrorCode::describe)
        .orElse("status " + status + " (not in the registry)"));
    this.status = status;
  }

  /** The wire number. */
  public int status() {
    return status;
  }

  /** The registry's error, or empty for a server's own number we do not know. */
  public java.util.Optional<ErrorCode> code() {
    return ErrorCode.fromCode(status);
  }
}
