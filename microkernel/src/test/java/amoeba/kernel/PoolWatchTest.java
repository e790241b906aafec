package amoeba.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.BoxConfig;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.SysClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A board notices a peer that stops answering (as after kill -9), and its return. */
class PoolWatchTest {
  static final byte[] KEY = "a pool key of the watch tests!!!".getBytes(StandardCharsets.US_ASCII);
  static final long SECOND = 1_000_000_000L;
  static final List<String> POOL = List.of("b1", "b2", "b3");

  final LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
  final BoxConfig box = BoxConfig.defaults(1).withPoolKey(KEY);
  final List<Kernel> boards = new ArrayList<>();

  Kernel boot(String name) {
    Kernel k = Kernel.boot(BoardConfig.emulated(name, box, List.of(hub.attach(name))));
    boards.add(k);
    return k;
  }

  @BeforeEach
  void pool() {
    POOL.forEach(this::boot);
  }

  @AfterEach
  void stop() {
    boards.forEach(Kernel::close);
  }

  @Test
  void aSilentPeerIsDownAfterTheFailTimeoutAndUpAtItsFirstAnswer() {
    AtomicLong now = new AtomicLong();
    List<String> changes = new ArrayList<>();
    PoolWatch watch = new PoolWatch(boards.get(0).rpc(), KEY, "b1", () -> POOL, SECOND / 2,
        3 * SECOND, now::get, (b, up) -> changes.add(b + (up ? " up" : " down")));
    watch.round();
    assertEquals(List.of("b2 up", "b3 up"), changes);

    boards.get(2).close(); // b3 answers nothing from now on, as after kill -9
    now.addAndGet(SECOND);
    watch.round();
    assertTrue(watch.peer("b3").up(), "still within the fail timeout: not suspected yet");
    now.addAndGet(2 * SECOND);
    watch.round();
    assertFalse(watch.peer("b3").up());
    assertTrue(watch.peer("b2").up());
    assertEquals(List.of("b2 up", "b3 up", "b3 down"), changes, "one change, told once");
    now.addAndGet(SECOND);
    watch.round();
    assertEquals(3, changes.size(), "a down peer is not reported again each round");

    boot("b3");
    watch.round();
    assertTrue(watch.peer("b3").up());
    assertEquals("b3 up", changes.get(changes.size() - 1));
    assertTrue(watch.report().get("b3").startsWith("up "), watch.report().toString());
  }

  @Test
  void theSysServerAnswersWhatItsWatchSees() throws Exception {
    boards.get(0).watch(() -> POOL, SECOND / 10, SECOND / 2);
    SysClient sys = new SysClient(boards.get(1).rpc(), 2 * SECOND);
    Map<String, String> peers = awaitPeers(sys, "b3", "up");
    assertTrue(peers.get("b2").startsWith("up "), peers.toString());
    boards.get(2).close();
    peers = awaitPeers(sys, "b3", "down");
    assertTrue(peers.get("b2").startsWith("up "), "only the silent board is down: " + peers);
  }

  /** Polls b1's PEERS until {@code board} is {@code state} (bounded: fails after 30 s). */
  private static Map<String, String> awaitPeers(SysClient sys, String board, String state) throws Exception {
    long deadline = System.nanoTime() + 30 * SECOND;
    Map<String, String> peers;
    do {
      peers = sys.peers(BoardPorts.owner(KEY, BoardPorts.SYS, "b1"));
      String v = peers.get(board);
      if (v != null && v.startsWith(state + " ")) {
        return peers;
      }
      LockSupport.parkNanos(SECOND / 20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("b1 never saw " + board + " " + state + ": " + peers);
  }
}
