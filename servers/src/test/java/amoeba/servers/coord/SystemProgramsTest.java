package amoeba.servers.coord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.ErrorCode;
import amoeba.flip.BoxConfig;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.BoardConfig;
import amoeba.kernel.Kernel;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.SystemPrograms;
import amoeba.servers.coord.central.LockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "lock" and "coord" run as builtin system programs of a board and answer over RPC. */
class SystemProgramsTest {
  @TempDir Path dir;

  @Test
  void lockAndCoordRunAsBuiltins() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (Kernel board = Kernel.boot(BoardConfig.emulated("b1", BoxConfig.defaults(1).withPoolKey(CoordPool.KEY),
        List.of(hub.attach("b1"))).withDataFolder(dir).withPrograms(SystemPrograms.forBoards()))) {
      board.startService("lock", List.of());
      board.startService("coord", List.of("b1"));
      LockClient stub = new LockClient(board.rpc()::trans, 5_000_000_000L);
      try (RemoteLock central = new RemoteLock(stub, BoardPorts.owner(CoordPool.KEY, LockServer.SERVICE, BoardPorts.POOL),
              Algorithm.CENTRAL, "t", 1000, new SplittableRandom(1));
          RemoteLock ring = new RemoteLock(stub, BoardPorts.owner(CoordPool.KEY, CoordNode.SERVICE, "b1"),
              Algorithm.RING, "t", 1000, new SplittableRandom(2))) {
        Grant g = central.acquire("motor", 5_000_000_000L).orElseThrow();
        assertEquals("t", central.status("motor").holder());
        central.release(g);
        Grant r = ring.acquire("motor", 5_000_000_000L).orElseThrow();
        assertTrue(ring.status("motor").held());
        ring.release(r);
        assertTrue(Files.exists(dir.resolve("programs/lock/fences")), "fences reserved on the board's storage");
      }
      // A forged capability (wrong check) is refused before any handler runs.
      var forged = new amoeba.capabilities.Capability(
          BoardPorts.owner(CoordPool.KEY, LockServer.SERVICE, BoardPorts.POOL).port(), 0, 0xFF, 12345);
      RpcException e = org.junit.jupiter.api.Assertions.assertThrows(RpcException.class,
          () -> stub.status(forged, Algorithm.CENTRAL, "motor"));
      assertEquals(ErrorCode.CAPBAD.code(), e.status());
    }
  }
}
