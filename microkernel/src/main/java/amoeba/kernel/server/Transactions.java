package amoeba.kernel.server;

import amoeba.ipc.rpc.RpcMessage;

/**
 * Whatever carries a client stub's transactions: a board's or the CLI's {@code Rpc}
 * ({@code rpc::trans}) or a process's {@code Ipc} ({@code ctx.ipc()::trans}), so system
 * programs use the same stubs as the kernel and the CLI.
 */
@FunctionalInterface
public interface Transactions {
  /** One transaction; the reply is the caller thread's, valid until its next trans. */
  RpcMessage trans(RpcMessage request, long timeoutNanos);
}
