package amoeba.kernel.process;

import amoeba.capabilities.Capability;
import amoeba.ipc.rpc.Rpc;
import java.io.IOException;
import java.util.List;

/**
 * Where a board fetches a program file named by a capability (a Bullet file). The kernel does
 * not know the file server's protocol; whoever boots the board supplies the store.
 */
@FunctionalInterface
public interface ProgramStore {
  /** A store that has no files: every fetch fails. */
  ProgramStore NONE = (rpc, replicas, maxBytes) -> {
    throw new IOException("this board has no program store (no Bullet client)");
  };

  /**
   * The whole file, read through the board's RPC layer from the first of its {@code replicas}
   * that answers.
   *
   * @throws IOException the file cannot be read or is larger than {@code maxBytes}
   */
  byte[] read(Rpc rpc, List<Capability> replicas, int maxBytes) throws IOException;
}
