package amoeba.kernel.api;

import amoeba.capabilities.Port;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupMember;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;

/**
 * A process's IPC: Amoeba's trans, getreq and putrep through its board's RPC layer. Servers a
 * process opens (and groups it joins) are closed when it ends or is killed. No access to the FLIP box itself.
 */
public interface Ipc {
  /**
   * One transaction (see {@code amoeba.ipc.rpc.Rpc#trans}).
   *
   * @return this thread's reply object, valid until its next trans
   */
  RpcMessage trans(RpcMessage request, long timeoutNanos);

  /**
   * Serves {@code getPort}: clients reach it at its put-port. Use {@link RpcServer#getreq} and
   * {@link RpcServer#putrep}.
   */
  RpcServer serve(Port getPort);

  /**
   * Creates the group {@code port} with this process as its first member and sequencer (see
   * {@code GroupMember#create}). Closed when the process ends.
   */
  GroupMember createGroup(long port, GroupConfig config);

  /**
   * Joins the group {@code port} (see {@code GroupMember#join}). Closed when the process ends.
   *
   * @throws amoeba.ipc.rpc.RpcException or IllegalStateException as {@code GroupMember#join}
   */
  GroupMember joinGroup(long port, GroupConfig config, long timeoutNanos);
}
