package amoeba.servers.directory;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Enters a board's rows under a folder of the namespace (/pool/BOARD, /dev/BOARD) and withdraws
 * them: what a board publishes at boot and takes back at its clean shutdown. Entering replaces
 * rows a board killed with -9 left behind.
 */
public final class Publisher {
  static final long FIRST_BACKOFF_MS = 100;
  static final long MAX_BACKOFF_MS = 5_000;

  private final DirectoryClient dir;
  private final String folder;
  private final Map<String, Capability> rows;

  /** @param rows name -> capability, entered as {@code folder/name} */
  public Publisher(DirectoryClient dir, String folder, Map<String, Capability> rows) {
    this.dir = dir;
    this.folder = folder;
    this.rows = new LinkedHashMap<>(rows);
  }

  /** Creates the folder if needed and enters (or replaces) every row, in one install. */
  public void enter() throws RpcException {
    try {
      dir.mkdir(folder);
    } catch (RpcException e) {
      if (e.status() != ErrorCode.EXISTS.code()) {
        throw e;
      }
    }
    List<DirectoryClient.InstallItem> items = new ArrayList<>();
    rows.forEach((name, cap) -> items.add(
        new DirectoryClient.InstallItem(folder + "/" + name, false, null, CapabilitySet.of(cap))));
    dir.install(dir.root(), items);
  }

  /**
   * Enters, retrying with bounded backoff (100 ms doubling to 5 s) until the directory answers
   * (NOTFOUND while no replica runs, NOTNOW while they catch up).
   */
  public void enterRetrying() throws InterruptedException {
    long backoff = FIRST_BACKOFF_MS;
    while (true) {
      try {
        enter();
        return;
      } catch (RpcException e) {
        Thread.sleep(backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }

  /** Removes the rows and the folder; best effort (the directory may be gone). */
  public void withdraw() {
    List<DirectoryClient.InstallItem> items = new ArrayList<>();
    rows.keySet().forEach(name -> items.add(new DirectoryClient.InstallItem(folder + "/" + name, false, null, null)));
    try {
      dir.install(dir.root(), items);
    } catch (RpcException e) {
      // gone already, or no directory: nothing to withdraw
    }
    try {
      CapabilitySet d = dir.lookup(folder);
      dir.remove(folder);
      dir.destroy(d.first());
    } catch (RpcException e) {
      // best effort
    }
  }
}
