package amoeba.servers.bullet;

import amoeba.capabilities.Capability;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.process.ProgramStore;
import amoeba.servers.directory.CapabilitySet;
import java.io.IOException;
import java.util.List;

/**
 * Program files from Bullet: a board execs {@code cap:HEX[,cap:HEX...]} (the file's replicas)
 * by reading it from the first replica that answers, through its own
 * RPC layer, one chunk at a time on the calling thread (the kernel caches the jar).
 */
public final class BulletProgramStore implements ProgramStore {
  @Override
  public byte[] read(Rpc rpc, List<Capability> replicas, int maxBytes) throws IOException {
    try (BulletClient client = new BulletClient(rpc, BulletClient.Options.sequential())) {
      return client.readAll(new CapabilitySet(replicas), maxBytes); // falls back along the set
    } catch (RpcException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
