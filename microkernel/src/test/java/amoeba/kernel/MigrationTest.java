package amoeba.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.process.ProcessState;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.server.ProcessInfo;
import amoeba.kernel.testprograms.Counter;
import amoeba.kernel.testprograms.Waiter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The counter server moves from b2 to b1 while a client on b3 keeps calling it. */
class MigrationTest {
  static final long TIMEOUT = 5_000_000_000L;

  @TempDir Path dir;
  final List<Kernel> boards = new ArrayList<>();
  ProcessClient processes;

  @BeforeEach
  void boot() {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    BoxConfig box = BoxConfig.defaults(1).withPoolKey(KernelTest.KEY);
    for (String name : List.of("b1", "b2", "b3")) {
      boards.add(Kernel.boot(BoardConfig.emulated(name, box, List.of(hub.attach(name)))));
    }
    processes = new ProcessClient(boards.get(2).rpc(), TIMEOUT);
  }

  @AfterEach
  void shutdown() {
    boards.forEach(Kernel::close);
  }

  static Capability server(String board) {
    return BoardPorts.owner(KernelTest.KEY, BoardPorts.PROCESS, board);
  }

  @Test
  void theCounterKeepsItsValueAndPortAndTheClientNeverNotices() throws Exception {
    Path jar = TestJars.jar(dir, "counter", Counter.class);
    Port get = Port.random(new SplittableRandom(42));
    ProcessClient.Started c = processes.exec(server("b2"), jar.toString(), List.of(get.toString()), Map.of());
    processes.readOutput(c.capability(), 0, 0, 0, 5000); // "counting on ..."

    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger failed = new AtomicInteger();
    List<Integer> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Long> values = new ArrayList<>();
    CountDownLatch warm = new CountDownLatch(200);
    Thread client = new Thread(() -> {
      RpcMessage rq = new RpcMessage();
      while (!stop.get()) {
        rq.clear().port(get.putPort().value());
        RpcMessage reply = boards.get(2).rpc().trans(rq, TIMEOUT);
        if (reply.ok()) {
          values.add(reply.data().getLong(reply.data().position()));
          warm.countDown();
        } else {
          failed.incrementAndGet(); // retried by the loop: a new call
          statuses.add(reply.status());
        }
      }
    }, "counter-client");
    client.start();
    assertTrue(warm.await(20, TimeUnit.SECONDS));
    long start = System.nanoTime();
    ProcessClient.Started moved = processes.migrate(c.capability(), 0, "b1");
    long pauseUs = (System.nanoTime() - start) / 1000;
    int before = values.size();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (values.size() < before + 200 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    stop.set(true);
    client.join(10_000);

    assertTrue(values.size() >= before + 200, "calls continue after the move: " + values.size());
    for (int i = 0; i < values.size(); i++) {
      assertEquals(i + 1, values.get(i), "no lost or doubled increment at call " + i);
    }
    // Calls queued at the old incarnation when it closed are refused unexecuted (NAK TRYAGAIN,
    // OTHER_INSTANCE) and RPC resends them to the new one: the client sees no error at all.
    assertEquals(0, failed.get(), "failed calls: " + statuses);
    ProcessInfo there = processes.status(moved.capability(), 0, 0);
    assertEquals(ProcessState.RUNNING, there.state());
    assertEquals(1, boards.get(0).processes().size(), "it runs on b1 now");
    assertEquals(ProcessState.MIGRATED, boards.get(1).processes().get(0).state());
    RpcException stale = assertThrows(RpcException.class, () -> processes.status(c.capability(), 0, 0));
    assertEquals(ErrorCode.CAPBAD.code(), stale.status(), "the old incarnation's capability is revoked");
    System.out.println("migrate pause_us=" + pauseUs + " calls=" + values.size() + " failed_then_retried=" + statuses);
  }

  @Test
  void aProgramThatIsNotCheckpointableRefusesToMigrate() throws Exception {
    Path jar = TestJars.jar(dir, "waiter", Waiter.class);
    ProcessClient.Started w = processes.exec(server("b2"), jar.toString(), List.of(), Map.of());
    RpcException e = assertThrows(RpcException.class, () -> processes.migrate(w.capability(), 0, "b1"));
    assertEquals(ErrorCode.BADPARAM.code(), e.status());
    assertTrue(e.getMessage().contains("not Checkpointable"), e.getMessage());
    assertEquals(ProcessState.RUNNING, processes.status(w.capability(), 0, 0).state());
  }
}
