package amoeba.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.flip.BoxConfig;
import amoeba.flip.net.FaultyNetwork;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.process.KernelProcess;
import amoeba.kernel.process.ProcessState;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.testprograms.Caller;
import amoeba.kernel.testprograms.Counter;
import amoeba.kernel.testprograms.Garbler;
import amoeba.kernel.testprograms.Waiter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Programs in child JVMs use their kernel's IPC over the local channel: trans, serving a port
 * that other boards call, migration with their state, and the kernel survives a child that
 * writes garbage into the channel. b3 is the client board; its network loses and duplicates
 * packets when a test asks for it.
 */
class JvmIsolationTest {
  static final long TIMEOUT = 5_000_000_000L;
  static final int HEAP_MB = 32;

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
    clientNet = new FaultyNetwork(hub.attach("b3"), 7);
    boards.add(Kernel.boot(BoardConfig.emulated("b3", box, List.of(clientNet))));
    processes = new ProcessClient(boards.get(0).rpc(), TIMEOUT);
  }

  @AfterEach
  void shutdown() {
    boards.forEach(Kernel::close); // destroys every child JVM
  }

  static Capability server(String board) {
    return BoardPorts.owner(KernelTest.KEY, BoardPorts.PROCESS, board);
  }

  /** Starts the counter in a child JVM on {@code board} and waits until it serves. */
  ProcessClient.Started counter(String board, Port get) throws Exception {
    Path jar = TestJars.jar(dir, "counter", Counter.class);
    ProcessClient.Started c = processes.execJvm(server(board), jar.toString(), List.of(get.toString()), Map.of(), HEAP_MB);
    String out = new String(processes.readOutput(c.capability(), 0, 0, 0, 10_000).out(), StandardCharsets.UTF_8);
    assertTrue(out.startsWith("counting on"), out);
    return c;
  }

  long call(Port get, long timeout) {
    RpcMessage reply = boards.get(2).rpc().trans(new RpcMessage().port(get.putPort().value()), timeout);
    return reply.ok() ? reply.offset() : -1 - Math.abs(reply.status()); // failures are negative
  }

  /** Output of a finished process (both streams, waiting for its end). */
  String[] finished(ProcessClient.Started p) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      ProcessClient.Output o = processes.readOutput(p.capability(), 0, out.size(), err.size(), 1000);
      out.writeBytes(o.out());
      err.writeBytes(o.err());
      if (o.info().state().finished() && o.out().length == 0 && o.err().length == 0) {
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
            o.info().state() + " " + o.info().exitStatus()};
      }
    }
    throw new AssertionError("the process did not finish");
  }

  @Test
  void aChildServesAnotherBoardAndCallsOutAndKillClosesItsServer() throws Exception {
    Port get = Port.random(new SplittableRandom(11));
    ProcessClient.Started c = counter("b2", get);
    assertEquals(1, call(get, TIMEOUT), "b3 calls the counter in b2's child JVM");

    Path caller = TestJars.jar(dir, "caller", Caller.class);
    ProcessClient.Started t = processes.execJvm(
        server("b1"), caller.toString(), List.of(get.putPort().toString()), Map.of(), HEAP_MB);
    String[] run = finished(t);
    assertEquals("reply 2\n", run[0], run[1]);
    assertEquals("EXITED 0", run[2], "a child's trans, from b1's child to b2's child");
    assertEquals(3, call(get, TIMEOUT), "each call ran exactly once");

    assertEquals(ProcessState.KILLED, processes.kill(c.capability(), 0).state());
    long after = call(get, 2_000_000_000L);
    assertTrue(after < 0, "the killed child's server is closed: " + after);
    KernelProcess p = boards.get(1).processServer().process(c.pid());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (p.threads() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(0, p.threads(), "the child JVM is gone");
  }

  @Test
  void stdinBeyondTheCreditWindowReachesTheChildInOrder() throws Exception {
    Path jar = TestJars.jar(dir, "waiter", Waiter.class);
    ProcessClient.Started w = processes.execJvm(server("b2"), jar.toString(), List.of(), Map.of(), HEAP_MB);
    StringBuilder sent = new StringBuilder();
    for (int i = 0; sent.length() < 3 * (64 << 10); i++) {
      byte[] chunk = ("line " + i + " of the input\n").repeat(500).getBytes(StandardCharsets.UTF_8);
      while (true) {
        try {
          processes.writeStdin(w.capability(), 0, chunk, false);
          break;
        } catch (RpcException e) {
          assertEquals(ErrorCode.NOTNOW.code(), e.status(), e.getMessage()); // full: retry
          Thread.onSpinWait();
        }
      }
      sent.append(new String(chunk, StandardCharsets.UTF_8));
    }
    processes.writeStdin(w.capability(), 0, new byte[0], true);
    String[] run = finished(w);
    assertEquals("EXITED 0", run[2], run[1]);
    assertEquals("waiting\n" + sent.toString().toUpperCase(java.util.Locale.ROOT), run[0]);
  }

  @Test
  void aChildThatBreaksTheChannelEndsWithTheReasonAndTheBoardLivesOn() throws Exception {
    Path jar = TestJars.jar(dir, "garbler", Garbler.class);
    Map<String, String> reasons = Map.of(
        "kind", "unknown frame kind 99", "length", "with length 2147483647", "putrep", "putrep on call 1 without its request");
    List<ProcessClient.Started> started = new ArrayList<>();
    for (String how : reasons.keySet()) {
      started.add(processes.execJvm(server("b2"), jar.toString(), List.of(how), Map.of(), HEAP_MB));
    }
    int i = 0;
    for (String how : reasons.keySet()) {
      String[] run = finished(started.get(i++));
      assertEquals("CRASHED 1", run[2], how);
      assertTrue(run[1].contains("the child JVM broke its channel: ") && run[1].contains(reasons.get(how)),
          how + ": " + run[1]);
    }
    assertEquals(3, processes.list(server("b2")).size(), "b2's process server still answers");
  }

  @Test
  void aJvmCounterMigratesUnderLoadWithLossAndDuplicationLosingAndDoublingNothing() throws Exception {
    Port get = Port.random(new SplittableRandom(12));
    ProcessClient.Started c = counter("b2", get);
    clientNet.setLossProbability(0.05);
    clientNet.setDuplicateProbability(0.05);
    AtomicBoolean stop = new AtomicBoolean();
    List<Long> values = new CopyOnWriteArrayList<>();
    List<Long> failures = new CopyOnWriteArrayList<>();
    CountDownLatch warm = new CountDownLatch(100);
    Thread client = new Thread(() -> {
      while (!stop.get()) {
        long v = call(get, TIMEOUT);
        (v > 0 ? values : failures).add(v);
        warm.countDown();
      }
    }, "counter-client");
    client.start();
    assertTrue(warm.await(20, TimeUnit.SECONDS));
    ProcessClient.Started moved = processes.migrate(c.capability(), 0, "b1");
    int before = values.size();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (values.size() < before + 100 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    stop.set(true);
    client.join(20_000);

    assertTrue(values.size() >= before + 100, "calls continue after the move: " + values.size());
    assertEquals(List.of(), failures, "failed calls (-1 - |status|)");
    for (int i = 0; i < values.size(); i++) {
      assertEquals(i + 1, values.get(i), "no lost or doubled increment at call " + i);
    }
    KernelProcess there = boards.get(0).processServer().process(moved.pid());
    assertEquals("jvm", there.isolation());
    assertEquals(ProcessState.RUNNING, there.state());
    assertEquals(ProcessState.MIGRATED, boards.get(1).processServer().process(c.pid()).state());
    assertFalse(clientNet.lost() == 0 || clientNet.duplicated() == 0, "faults were injected");
  }
}
