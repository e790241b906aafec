package amoeba.servers.bullet;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.ipc.rpc.RpcException;
import amoeba.servers.directory.CapabilitySet;
import amoeba.servers.directory.DirectoryClient;
import amoeba.servers.directory.Namespace;
import amoeba.servers.directory.RowSwap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The re-replication pass: restores the replica count of the Bullet files the namespace names
 * after boards are lost. It walks the given subtrees (directories are rows whose capability
 * is the directory server's; a row is a Bullet file if any of its capabilities is at a port of
 * one of {@link BulletServers}), asks every replica of each file its SIZE ({@link
 * BulletClient#probe}), and for a file with LOST replicas copies it from a live one to servers
 * holding none, then swaps the row from the set it saw to (live + copies) with a compare
 * ({@link RowSwap}): an update made meanwhile wins, and the copies are destroyed.
 *
 * <p>A file keeps its own replica count (the size of its set). A file with a replica of no
 * conclusion (UNKNOWN: busy or silent) is left for a later pass; one with no live replica is
 * reported, not changed. Run by the boot server every {@code --repair-s} and by {@code amoeba
 * file repair}.
 */
public final class ReplicaRepair {
  /** The subtrees a pass walks unless told others: where files are named. */
  public static final List<String> DEFAULT_ROOTS = List.of("/bin", "/home", "/services");
  /** Directory depth walked below a root. */
  static final int MAX_DEPTH = 32;
  /** Rows looked at in one pass, so a huge or cyclic namespace still ends. */
  static final int MAX_ROWS = 100_000;

  /** What a pass found and did. {@code notes}: one line per file repaired or not repairable. */
  public record Report(int files, int repaired, int skipped, int failed, List<String> notes) {
    @Override
    public String toString() {
      return files + " file(s): " + repaired + " repaired, " + skipped + " left for later, " + failed + " failed";
    }
  }

  /** What became of one file. */
  public enum Outcome {
    /** Every replica answers. */
    HEALTHY,
    /** LOST replicas replaced, the row swapped. */
    REPAIRED,
    /** A replica gave no conclusion, or the row changed meanwhile: left for a later pass. */
    SKIPPED,
    /** No live replica, too few servers, or the directory refused. */
    FAILED
  }

  private final DirectoryClient dir;
  private final BulletClient bullet;
  private final BulletServers servers;

  public ReplicaRepair(DirectoryClient dir, BulletClient bullet, BulletServers servers) {
    this.dir = dir;
    this.bullet = bullet;
    this.servers = servers;
  }

  /** One pass over the subtrees (or single rows) at {@code roots}; a missing root is skipped. */
  public Report pass(List<String> roots) throws RpcException {
    List<Capability> candidates = servers.list();
    Set<Port> bulletPorts = new HashSet<>();
    candidates.forEach(c -> bulletPorts.add(c.port()));
    Walk walk = new Walk(candidates, bulletPorts);
    for (String root : roots) {
      CapabilitySet set;
      try {
        set = dir.lookup(root);
      } catch (RpcException e) {
        if (e.status() == ErrorCode.NO_SUCH_OBJECT.code()) {
          continue;
        }
        throw e;
      }
      walk.visit(root, set, 0);
    }
    return new Report(walk.files, walk.count(Outcome.REPAIRED), walk.count(Outcome.SKIPPED),
        walk.count(Outcome.FAILED), walk.notes);
  }

  private final class Walk {
    final List<Capability> candidates;
    final Set<Port> bulletPorts;
    final Set<Integer> dirsSeen = new HashSet<>();
    final int[] outcomes = new int[Outcome.values().length];
    final List<String> notes = new ArrayList<>();
    int rows;
    int files;

    Walk(List<Capability> candidates, Set<Port> bulletPorts) {
      this.candidates = candidates;
      this.bulletPorts = bulletPorts;
    }

    int count(Outcome o) {
      return outcomes[o.ordinal()];
    }

    void visit(String path, CapabilitySet set, int depth) throws RpcException {
      if (++rows > MAX_ROWS) {
        return;
      }
      Capability first = set.first();
      if (first.port().equals(dir.root().port())) {
        if (depth >= MAX_DEPTH || !dirsSeen.add(first.object())) {
          return; // too deep, or a directory entered twice (a cycle)
        }
        for (Namespace.Entry e : dir.list(path)) {
          visit(path.equals("/") ? "/" + e.name() : path + "/" + e.name(), e.capabilities(), depth + 1);
        }
      } else if (set.capabilities().stream().anyMatch(c -> bulletPorts.contains(c.port()))) {
        files++;
        Outcome o = repair(path, set, candidates, notes);
        outcomes[o.ordinal()]++;
      }
    }
  }

  /**
   * Repairs the file {@code seen} that the row {@code path} named when it was walked.
   *
   * @param notes gets a line saying what was done, unless the file was healthy
   */
  public Outcome repair(String path, CapabilitySet seen, List<Capability> candidates, List<String> notes) {
    List<Capability> live = new ArrayList<>();
    boolean unsure = false;
    for (Capability c : seen.capabilities()) {
      switch (bullet.probe(c)) {
        case LIVE -> live.add(c);
        case UNKNOWN -> unsure = true;
        case LOST -> { }
      }
    }
    int lost = seen.capabilities().size() - live.size();
    if (lost == 0) {
      return Outcome.HEALTHY;
    }
    if (live.isEmpty()) {
      notes.add(path + ": no replica answers");
      return unsure ? Outcome.SKIPPED : Outcome.FAILED;
    }
    if (unsure) {
      notes.add(path + ": a replica gives no answer yet; left for a later pass");
      return Outcome.SKIPPED;
    }
    CapabilitySet copies;
    try {
      copies = bullet.copy(new CapabilitySet(live), live, candidates, lost);
    } catch (RpcException | IOException e) {
      notes.add(path + ": " + live.size() + " of " + seen.capabilities().size() + " replicas live, copying failed: "
          + e.getMessage());
      return Outcome.FAILED;
    }
    List<Capability> all = new ArrayList<>(live);
    all.addAll(copies.capabilities());
    RowSwap.Outcome swap = RowSwap.swap(dir, path, seen, new CapabilitySet(all));
    switch (swap.result()) {
      case SWAPPED -> {
        notes.add(path + ": " + lost + " lost replica(s) replaced");
        return Outcome.REPAIRED;
      }
      case UNKNOWN -> {
        notes.add(path + ": copied, but whether the row was updated is unknown: " + swap.why());
        return Outcome.FAILED; // the copies may be named: they are not destroyed
      }
      default -> {
        destroyQuietly(copies);
        boolean changed = swap.result() == RowSwap.Result.CHANGED;
        notes.add(path + (changed ? ": changed meanwhile; left for a later pass" : ": the directory refused: " + swap.why()));
        return changed ? Outcome.SKIPPED : Outcome.FAILED;
      }
    }
  }

  private void destroyQuietly(CapabilitySet copies) {
    try {
      bullet.destroy(copies);
    } catch (RpcException e) {
      // unreachable: never named, it ages away
    }
  }
}
