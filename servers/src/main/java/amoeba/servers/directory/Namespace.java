package amoeba.servers.directory;

import amoeba.ipc.rpc.RpcException;
import java.util.List;

/**
 * The pool's one namespace as its users see it: absolute paths ({@code /home/alice/notes})
 * resolved from the root directory capability the implementation holds. Errors are the
 * directory server's: NO_SUCH_OBJECT for a missing name, EXISTS for a taken one, DENIED for
 * missing rights, CAPBAD for a forged or revoked capability, BADPARAM for a malformed path;
 * RPC-level ones (NOTFOUND, FAILURE) when no replica answers.
 *
 * <p>Layout: /bin (program files), /home, /dev/BOARD/DEVICE (device servers), /pool/BOARD (a
 * directory per board: "proc" its process server, "sys" its sys server), /services (the boot
 * server's list and what system servers publish).
 */
public interface Namespace {
  /** A row of a directory listing. */
  record Entry(String name, CapabilitySet capabilities) {}

  /** What {@code path} names. */
  CapabilitySet lookup(String path) throws RpcException;

  /** The rows of the directory at {@code path}, sorted by name. */
  List<Entry> list(String path) throws RpcException;

  /** Adds {@code path} naming {@code set}; EXISTS if the name is taken. */
  void enter(String path, CapabilitySet set) throws RpcException;

  /** Points the existing {@code path} at {@code set}. */
  void replace(String path, CapabilitySet set) throws RpcException;

  /** Removes the row {@code path} (not what it names). */
  void remove(String path) throws RpcException;

  /** Creates a directory at {@code path} (its parent must exist); EXISTS if the name is taken. */
  CapabilitySet mkdir(String path) throws RpcException;
}
