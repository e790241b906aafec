package amoeba.servers.boot;

import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import amoeba.servers.bullet.BulletClient;
import amoeba.servers.bullet.BulletServers;
import amoeba.servers.directory.CapabilitySet;
import amoeba.servers.directory.DirectoryClient;
import amoeba.servers.directory.RowSwap;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * The boot server's state in the pool, so a boot server started on any board finds it: the
 * bytes of {@link State#encode} in an immutable Bullet file written to {@code replicas} boards,
 * whose capability set the directory names at {@link #PATH}.
 *
 * <p>Save: write a new file (safe commit), swap the row from the set this store last saw to the
 * new one ({@link RowSwap}), then destroy the old file (best effort). Load: lookup and read;
 * {@link State#EMPTY} when the row is absent (or the {@code seed} store's state, so a boot server
 * that kept a local file moves it into the directory at its first save).
 *
 * <p>A swap that finds the row changed by someone else: if the file it names now holds the same
 * bytes as the one this store last saw, a re-replication pass replaced its replicas, and the save
 * is redone against it; otherwise another boot server wrote its own state: this store is {@link
 * #superseded} and refuses every later save (the newer boot server owns the services).
 */
public final class DirectoryBootStore implements BootStore {
  /** Where the directory names the boot server's state file. */
  public static final String PATH = "/services/boot";
  /** Rereads of a row a re-replication pass changed under one save. */
  private static final int MAX_SWAPS = 3;

  private final DirectoryClient dir;
  private final BulletClient bullet;
  private final BulletServers servers;
  private final int replicas;
  private final BootStore seed;
  /** Guarded by this: what the row named when last read or written (null: absent), and those bytes. */
  private boolean known;
  private CapabilitySet current;
  private byte[] currentBytes;
  private boolean superseded;

  /**
   * @param replicas copies of each state file (fewer if the pool has fewer Bullet servers)
   * @param seed read when the row is absent ({@link BootStore#inMemory} for none)
   */
  public DirectoryBootStore(DirectoryClient dir, BulletClient bullet, BulletServers servers, int replicas, BootStore seed) {
    this.dir = dir;
    this.bullet = bullet;
    this.servers = servers;
    this.replicas = replicas;
    this.seed = seed;
  }

  /** Whether another boot server wrote the state since this store last read it. */
  public synchronized boolean superseded() {
    return superseded;
  }

  @Override
  public synchronized State load() throws IOException {
    if (!read()) {
      return seed.load();
    }
    return currentBytes == null ? State.EMPTY : State.decode(currentBytes, PATH);
  }

  /** Reads the row and its file into {@link #current}; false if the row is absent. */
  private boolean read() throws IOException {
    try {
      CapabilitySet set;
      try {
        set = dir.lookup(PATH);
      } catch (RpcException e) {
        if (e.status() != ErrorCode.NO_SUCH_OBJECT.code()) {
          throw e;
        }
        known = true;
        current = null;
        currentBytes = null;
        return false;
      }
      currentBytes = bullet.readAll(set, State.MAX_BYTES);
      current = set;
      known = true;
      return true;
    } catch (RpcException e) {
      throw new IOException(PATH + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void save(State state) throws IOException {
    if (superseded) {
      throw new IOException(PATH + " was written by another boot server: this one no longer saves");
    }
    if (!known) {
      read();
    }
    byte[] bytes = state.encode();
    CapabilitySet file;
    try {
      List<amoeba.capabilities.Capability> candidates = servers.list();
      file = bullet.create(bytes, candidates, Math.max(1, Math.min(replicas, candidates.size())), true);
    } catch (RpcException e) {
      throw new IOException("storing the state in Bullet: " + e.getMessage(), e);
    }
    for (int attempt = 0; attempt < MAX_SWAPS; attempt++) {
      RowSwap.Outcome swap = RowSwap.swap(dir, PATH, current, file);
      switch (swap.result()) {
        case SWAPPED -> {
          CapabilitySet old = current;
          current = file;
          currentBytes = bytes;
          if (old != null) {
            destroyQuietly(old);
          }
          return;
        }
        case CHANGED -> {
          if (!sameBytes(swap.current())) {
            superseded = true;
            destroyQuietly(file);
            throw new IOException(PATH + " was written by another boot server: this one no longer saves");
          }
          current = swap.current(); // re-replicated: the same state in other files
        }
        case FAILED -> {
          destroyQuietly(file);
          throw new IOException(PATH + ": " + swap.why());
        }
        case UNKNOWN -> {
          known = false; // the row may name the new file: read it again before the next save
          throw new IOException(PATH + ": not known whether it was updated: " + swap.why());
        }
      }
    }
    destroyQuietly(file);
    throw new IOException(PATH + " keeps changing under the save");
  }

  /** Whether {@code set} holds the bytes this store last read or wrote. */
  private boolean sameBytes(CapabilitySet set) {
    if (set == null || currentBytes == null) {
      return false;
    }
    try {
      return Arrays.equals(currentBytes, bullet.readAll(set, State.MAX_BYTES));
    } catch (RpcException | IOException e) {
      return false;
    }
  }

  private void destroyQuietly(CapabilitySet file) {
    try {
      bullet.destroy(file);
    } catch (RpcException e) {
      // its servers are gone: nothing names it any more
    }
  }
}
