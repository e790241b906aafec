package amoeba.servers.bullet;

import amoeba.capabilities.Capability;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.process.ProgramStore;
import amoeba.servers.directory.CapabilitySet;
import java.io.IOException;

/**
 * Program files from Bullet: a board execs {@code cap:HEX} by reading the file through its own
 * RPC layer, one chunk at a time on the calling thread (the kernel caches the jar).
 */
public final class BulletProgramStore implements ProgramStore {
  @Override
  public byte[] read(Rpc rpc, Capability file, int maxBytes) throws IOException {
    try (BulletClient client = new BulletClient(rpc, BulletClient.Options.sequential())) {
      return client.readAll(CapabilitySet.of(file), maxBytes);
    } catch (RpcException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
