package amoeba.servers.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.kernel.server.BoardPorts;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A board publishes /pool/BOARD at boot and withdraws it at a clean shutdown. */
class DirectoryPublishTest {
  @TempDir Path dir;
  DirectoryCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aBoardPublishesItsServersAndWithdrawsThemWhenItStops() throws Exception {
    cluster = new DirectoryCluster(dir, 21).start();
    cluster.bootBare("b4").startService("publish", List.of());
    DirectoryClient c = cluster.client("b1");
    DirectoryBoardList boards = new DirectoryBoardList(c);
    DirectoryCluster.await(() -> {
      try {
        return boards.boards().contains("b4");
      } catch (Exception e) {
        return false;
      }
    }, 20 * DirectoryCluster.SECOND, "/pool/b4");
    DirectoryCluster.await(() -> {
      try {
        return c.list("/pool/b4").size() == 2;
      } catch (Exception e) {
        return false;
      }
    }, 20 * DirectoryCluster.SECOND, "/pool/b4 rows");
    assertEquals(CapabilitySet.of(BoardPorts.owner(DirectoryCluster.KEY, BoardPorts.PROCESS, "b4")), c.lookup("/pool/b4/proc"));
    assertEquals(CapabilitySet.of(BoardPorts.owner(DirectoryCluster.KEY, BoardPorts.SYS, "b4")), c.lookup("/pool/b4/sys"));

    cluster.stop("b4"); // a clean shutdown: publish withdraws before the board's RPC closes
    assertFalse(boards.boards().contains("b4"), "withdrawn at shutdown");
    assertTrue(boards.boards().isEmpty());
  }
}
