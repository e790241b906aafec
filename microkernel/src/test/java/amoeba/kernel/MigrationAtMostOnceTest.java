package amoeba.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.net.FaultyNetwork;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.ipc.rpc.RpcCounter;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcStats;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.testprograms.Counter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At-most-once across a migration, on the one path where it is at stake: the counter replied
 * to a call, the reply was lost, and the client's retransmission reaches the counter only after
 * it moved. The new incarnation must answer it from the moved transaction table: a fresh
 * server would either run it again (value doubled) or, as another instance, fail the call.
 */
class MigrationAtMostOnceTest {
  static final long TIMEOUT = 20_000_000_000L;

  @TempDir Path dir;
  final List<Kernel> boards = new ArrayList<>();
  FaultyNetwork clientNet;
  ProcessClient processes;

  @BeforeEach
  void boot() {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    BoxConfig box = BoxConfig.defaults(1).withPoolKey(KernelTest.KEY);
    boards.add(Kernel.boot(BoardConfig.emulated("b1", box, List.of(hub.attach("b1")))));
    boards.add(Kernel.boot(BoardConfig.emulated("b2", box, List.of(hub.attach("b2")))));
    clientNet = new FaultyNetwork(hub.attach("b3"), 3);
    boards.add(Kernel.boot(BoardConfig.emulated("b3", box, List.of(clientNet))));
    processes = new ProcessClient(boards.get(0).rpc(), TIMEOUT);
  }

  @AfterEach
  void shutdown() {
    boards.forEach(Kernel::close);
  }

  static Capability server(String board) {
    return BoardPorts.owner(KernelTest.KEY, BoardPorts.PROCESS, board);
  }

  long call(Port get) {
    RpcMessage reply = boards.get(2).rpc().trans(new RpcMessage().port(get.putPort().value()), TIMEOUT);
    return reply.ok() ? reply.offset() : -1 - Math.abs(reply.status());
  }

  static void await(RpcStats stats, RpcCounter what, long atLeast) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (stats.get(what) < atLeast && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(1); // polling a counter of another board's RPC: no event to wait on
    }
    assertTrue(stats.get(what) >= atLeast, what + " reached " + stats.get(what) + ", not " + atLeast);
  }

  void aRetransmissionAfterTheMoveGetsTheStoredReply(boolean jvm) throws Exception {
    Path jar = TestJars.jar(dir, "counter", Counter.class);
    Port get = Port.random(new SplittableRandom(jvm ? 21 : 22));
    List<String> args = List.of(get.toString());
    ProcessClient.Started c = jvm
        ? processes.execJvm(server("b2"), jar.toString(), args, Map.of(), 32)
        : processes.exec(server("b2"), jar.toString(), args, Map.of());
    processes.readOutput(c.capability(), 0, 0, 0, 10_000); // "counting on ...": it serves
    assertEquals(1, call(get));

    RpcStats old = boards.get(1).rpc().stats();
    long replied = old.get(RpcCounter.REPLIES_SENT);
    long resent = old.get(RpcCounter.REPLIES_RESENT);
    clientNet.setLossProbability(1.0); // b3 hears nothing: the reply to call 2 is lost
    CompletableFuture<Long> second = CompletableFuture.supplyAsync(() -> call(get));
    await(old, RpcCounter.REPLIES_SENT, replied + 1); // call 2 ran on b2: the counter is 2
    await(old, RpcCounter.REPLIES_RESENT, resent + 1); // a retransmission got the stored reply, lost too

    // Counted from before the move: a retransmission may reach b1 while migrate() returns, and
    // its resend then get through once the loss is off (a race seen in CI).
    RpcStats now = boards.get(0).rpc().stats();
    long resentThere = now.get(RpcCounter.REPLIES_RESENT);
    ProcessClient.Started moved = processes.migrate(c.capability(), 0, "b1");
    clientNet.setLossProbability(0);

    assertEquals(2, second.get(30, TimeUnit.SECONDS), "call 2 answered once, from the moved table");
    assertTrue(now.get(RpcCounter.REPLIES_RESENT) > resentThere, "b1 resent the stored reply");
    assertEquals(3, call(get), "the next call is the third increment: call 2 did not run twice");
    assertEquals(jvm ? "jvm" : "thread", boards.get(0).processServer().process(moved.pid()).isolation());
  }

  @Test
  void threadIsolation() throws Exception {
    aRetransmissionAfterTheMoveGetsTheStoredReply(false);
  }

  @Test
  void jvmIsolation() throws Exception {
    aRetransmissionAfterTheMoveGetsTheStoredReply(true);
  }
}
