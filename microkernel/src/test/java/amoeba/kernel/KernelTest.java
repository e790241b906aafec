package amoeba.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Rights;
import amoeba.flip.BoxConfig;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.StdClient;
import amoeba.kernel.process.KernelProcess;
import amoeba.kernel.process.ProcessState;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.server.ProcessInfo;
import amoeba.kernel.server.SysClient;
import amoeba.kernel.testprograms.Hello;
import amoeba.kernel.testprograms.Spinner;
import amoeba.kernel.testprograms.Thrower;
import amoeba.kernel.testprograms.Waiter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two boards in one JVM over the loopback network; the client calls b2 from b1's RPC. */
class KernelTest {
  static final byte[] KEY = "a pool key of the kernel tests!!".getBytes(StandardCharsets.US_ASCII);
  static final long TIMEOUT = 5_000_000_000L;

  @TempDir Path dir;
  Kernel b1;
  Kernel b2;
  ProcessClient processes;
  Capability b2Processes;

  @BeforeEach
  void boot() {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    BoxConfig box = BoxConfig.defaults(1).withPoolKey(KEY);
    b1 = Kernel.boot(BoardConfig.emulated("b1", box, List.of(hub.attach("b1"))));
    b2 = Kernel.boot(BoardConfig.emulated("b2", box, List.of(hub.attach("b2"))));
    processes = new ProcessClient(b1.rpc(), TIMEOUT);
    b2Processes = BoardPorts.owner(KEY, BoardPorts.PROCESS, "b2");
  }

  @AfterEach
  void shutdown() {
    Spinner.release = true;
    for (Kernel k : List.of(b1, b2)) {
      for (KernelProcess p : k.processes()) {
        releaseSpinner(p);
      }
      k.close();
    }
  }

  static void releaseSpinner(KernelProcess p) {
    if (p.program() == null) {
      return; // jvm isolation: the board's close destroyed the child
    }
    try {
      p.program().getClass().getField("release").setBoolean(null, true);
    } catch (ReflectiveOperationException e) {
      // not a spinner
    }
  }

  /** Reads the process's output by long-polling until it finished and everything is read. */
  record Run(String out, String err, ProcessInfo info) {}

  Run follow(Capability cap, int pid) throws RpcException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    long o = 0;
    long e = 0;
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      ProcessClient.Output chunk = processes.readOutput(cap, pid, o, e, 1000);
      out.writeBytes(chunk.out());
      err.writeBytes(chunk.err());
      o = chunk.outEnd();
      e = chunk.errEnd();
      if (chunk.info().state().finished() && chunk.out().length == 0 && chunk.err().length == 0) {
        return new Run(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), chunk.info());
      }
    }
    throw new AssertionError("the process did not finish");
  }

  @Test
  void helloRunsOnTheOtherBoardWithItsOutputStreamedAndStatusZero() throws Exception {
    Path jar = TestJars.jar(dir, "hello", Hello.class);
    ProcessClient.Started s = processes.exec(b2Processes, jar.toString(), List.of("a", "b"), Map.of());
    assertTrue(s.pid() > 0);
    Run r = follow(s.capability(), 0);
    assertEquals(ProcessState.EXITED, r.info().state());
    assertEquals(0, r.info().exitStatus());
    assertTrue(r.out().startsWith("hello from b2 a b\n"), r.out());
    assertTrue(r.out().contains("loader program-hello"), "own class loader: " + r.out());
    assertEquals("", r.err());
    assertEquals(1, b2.processes().size());
    assertEquals(0, b1.processes().size());
  }

  @Test
  void exitStatusIsTheReturnValue() throws Exception {
    Path jar = TestJars.jar(dir, "hello", Hello.class);
    ProcessClient.Started s = processes.exec(b2Processes, jar.toString(), List.of("fail"), Map.of());
    ProcessInfo info = processes.status(s.capability(), 0, 10_000);
    assertEquals(ProcessState.EXITED, info.state());
    assertEquals(3, info.exitStatus());
  }

  @Test
  void aThrowingProgramCrashesWithItsStackTraceAndTheBoardLivesOn() throws Exception {
    Path jar = TestJars.jar(dir, "thrower", Thrower.class);
    ProcessClient.Started s = processes.exec(b2Processes, jar.toString(), List.of(), Map.of());
    Run r = follow(s.capability(), 0);
    assertEquals(ProcessState.CRASHED, r.info().state());
    assertEquals(KernelProcess.STATUS_CRASHED, r.info().exitStatus());
    assertEquals("about to throw\n", r.out());
    assertTrue(r.err().startsWith("java.lang.IllegalStateException: thrown on purpose"), r.err());
    assertTrue(r.err().contains("program-thrower//amoeba.kernel.testprograms.Thrower.run("), r.err());
    // the board lives on: another program runs
    Path hello = TestJars.jar(dir, "hello", Hello.class);
    ProcessClient.Started h = processes.exec(b2Processes, hello.toString(), List.of(), Map.of());
    assertEquals(0, processes.status(h.capability(), 0, 10_000).exitStatus());
    assertFalse(b2.isClosed());
  }

  @Test
  void killOfASpinnerMarksItKilledRevokesItsCapabilityAndTheThreadRemainsVisible() throws Exception {
    Path jar = TestJars.jar(dir, "spinner", Spinner.class);
    ProcessClient.Started s = processes.exec(b2Processes, jar.toString(), List.of(), Map.of());
    // wait until it runs: its first line
    ProcessClient.Output first = processes.readOutput(s.capability(), 0, 0, 0, 5000);
    assertEquals("spinning\n", new String(first.out(), StandardCharsets.UTF_8));
    ProcessInfo killed = processes.kill(s.capability(), 0);
    assertEquals(ProcessState.KILLED, killed.state());
    assertEquals(KernelProcess.STATUS_KILLED, killed.exitStatus());
    assertEquals(1, killed.threads(), "the spinning thread ignores interruption and remains");
    RpcException e = assertThrows(RpcException.class, () -> processes.status(s.capability(), 0, 0));
    assertEquals(ErrorCode.CAPBAD.code(), e.status(), "the process capability is revoked");
    // still listed, killed, with CPU time
    ProcessInfo listed = processes.list(b2Processes).get(0);
    assertEquals(ProcessState.KILLED, listed.state());
    assertTrue(listed.cpuNanos() > 0);
    // released, the leftover thread ends and the count drops (bounded polling)
    KernelProcess p = b2.processServer().process(s.pid());
    releaseSpinner(p);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (p.threads() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(0, p.threads());
  }

  @Test
  void killInterruptsABlockedProgramByPidWithTheServersCapability() throws Exception {
    Path jar = TestJars.jar(dir, "waiter", Waiter.class);
    ProcessClient.Started s = processes.exec(b2Processes, jar.toString(), List.of(), Map.of());
    processes.readOutput(s.capability(), 0, 0, 0, 5000);
    ProcessInfo killed = processes.kill(b2Processes, s.pid());
    assertEquals(ProcessState.KILLED, killed.state());
    KernelProcess p = b2.processServer().process(s.pid());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (p.threads() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(0, p.threads(), "an interruptible program ends");
  }

  @Test
  void stdinIsForwardedAndClosed() throws Exception {
    Path jar = TestJars.jar(dir, "waiter", Waiter.class);
    ProcessClient.Started s = processes.exec(b2Processes, jar.toString(), List.of(), Map.of());
    processes.writeStdin(s.capability(), 0, "abc ".getBytes(StandardCharsets.UTF_8), false);
    processes.writeStdin(s.capability(), 0, "def".getBytes(StandardCharsets.UTF_8), true);
    Run r = follow(s.capability(), 0);
    assertEquals("waiting\nABC DEF", r.out());
    assertEquals(0, r.info().exitStatus());
  }

  @Test
  void psListsEveryProcessWithState() throws Exception {
    Path hello = TestJars.jar(dir, "hello", Hello.class);
    Path waiter = TestJars.jar(dir, "waiter", Waiter.class);
    ProcessClient.Started h = processes.exec(b2Processes, hello.toString(), List.of(), Map.of());
    processes.status(h.capability(), 0, 10_000);
    ProcessClient.Started w = processes.exec(b2Processes, waiter.toString(), List.of(), Map.of());
    List<ProcessInfo> all = processes.list(b2Processes);
    assertEquals(2, all.size());
    assertEquals("hello", all.get(0).name());
    assertEquals(ProcessState.EXITED, all.get(0).state());
    assertEquals("waiter", all.get(1).name());
    assertEquals(ProcessState.RUNNING, all.get(1).state());
    assertEquals(w.pid(), all.get(1).pid());
    assertEquals(1, all.get(1).threads());
  }

  @Test
  void forgedAndRestrictedCapabilitiesAreRefused() throws Exception {
    Path jar = TestJars.jar(dir, "waiter", Waiter.class);
    ProcessClient.Started s = processes.exec(b2Processes, jar.toString(), List.of(), Map.of());
    Capability c = s.capability();
    Capability forged = new Capability(c.port(), c.object(), c.rights(), c.check() ^ 1);
    RpcException bad = assertThrows(RpcException.class, () -> processes.kill(forged, 0));
    assertEquals(ErrorCode.CAPBAD.code(), bad.status());
    Capability wrongBoard = BoardPorts.owner("another pool key, not ours!!!!!".getBytes(StandardCharsets.US_ASCII),
        BoardPorts.PROCESS, "b2");
    assertNotEquals(b2Processes.port(), wrongBoard.port());
    Capability forgedRoot = new Capability(b2Processes.port(), 0, Rights.ALL, b2Processes.check() ^ 4);
    RpcException root = assertThrows(RpcException.class,
        () -> processes.exec(forgedRoot, jar.toString(), List.of(), Map.of()));
    assertEquals(ErrorCode.CAPBAD.code(), root.status());
    Capability readOnly = new StdClient(b1.rpc(), TIMEOUT).restrict(c, Rights.READ);
    RpcException denied = assertThrows(RpcException.class, () -> processes.kill(readOnly, 0));
    assertEquals(ErrorCode.DENIED.code(), denied.status());
    assertEquals(ProcessState.RUNNING, processes.status(readOnly, 0, 0).state());
  }

  @Test
  void theServersDerivedCapabilitiesCannotBeDestroyedOrRevokedButAProcesssCan() throws Exception {
    StdClient std = new StdClient(b1.rpc(), TIMEOUT);
    Capability sys = BoardPorts.owner(KEY, BoardPorts.SYS, "b2");
    for (Capability root : List.of(b2Processes, sys)) {
      assertEquals(ErrorCode.DENIED.code(), assertThrows(RpcException.class, () -> std.destroy(root)).status());
      assertEquals(ErrorCode.DENIED.code(), assertThrows(RpcException.class, () -> std.revoke(root)).status());
    }
    assertEquals(0, processes.list(b2Processes).size(), "still usable");
    Path jar = TestJars.jar(dir, "waiter", Waiter.class);
    ProcessClient.Started s = processes.exec(b2Processes, jar.toString(), List.of(), Map.of());
    Capability fresh = std.revoke(s.capability());
    assertEquals(ErrorCode.CAPBAD.code(),
        assertThrows(RpcException.class, () -> processes.status(s.capability(), 0, 0)).status());
    assertEquals(ProcessState.RUNNING, processes.status(fresh, 0, 0).state());
    assertEquals(ProcessState.KILLED, processes.kill(b2Processes, s.pid()).state(), "the kernel follows the revoke");
    assertEquals(ErrorCode.CAPBAD.code(),
        assertThrows(RpcException.class, () -> processes.status(fresh, 0, 0)).status(), "kill revoked it");
  }

  @Test
  void jvmIsolationRunsTheProgramInAChildJvmWithItsOutputAndStatus() throws Exception {
    Path hello = TestJars.jar(dir, "hello", Hello.class);
    ProcessClient.Started h = processes.execJvm(b2Processes, hello.toString(), List.of("a"), Map.of(), 32);
    Run r = follow(h.capability(), 0);
    assertEquals(ProcessState.EXITED, r.info().state(), r.err());
    assertEquals(0, r.info().exitStatus());
    assertTrue(r.out().startsWith("hello from b2 a\n"), r.out());
    assertEquals("jvm", b2.processServer().process(h.pid()).isolation());

    Path thrower = TestJars.jar(dir, "thrower", Thrower.class);
    ProcessClient.Started t = processes.execJvm(b2Processes, thrower.toString(), List.of(), Map.of(), 32);
    Run crashed = follow(t.capability(), 0);
    assertEquals(ProcessState.CRASHED, crashed.info().state());
    assertTrue(crashed.err().startsWith("java.lang.IllegalStateException: thrown on purpose"), crashed.err());
  }

  @Test
  void jvmIsolationKillEndsASpinnerAtOnce() throws Exception {
    Path jar = TestJars.jar(dir, "spinner", Spinner.class);
    ProcessClient.Started s = processes.execJvm(b2Processes, jar.toString(), List.of(), Map.of(), 32);
    ProcessClient.Output first = processes.readOutput(s.capability(), 0, 0, 0, 10_000);
    assertEquals("spinning\n", new String(first.out(), StandardCharsets.UTF_8));
    assertEquals(ProcessState.KILLED, processes.kill(s.capability(), 0).state());
    KernelProcess p = b2.processServer().process(s.pid());
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (p.threads() > 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertEquals(0, p.threads(), "the child JVM is gone");
  }

  @Test
  void execOfAMissingOrBadJarFailsWithAReason() throws Exception {
    RpcException missing = assertThrows(RpcException.class,
        () -> processes.exec(b2Processes, dir.resolve("nope.jar").toString(), List.of(), Map.of()));
    assertEquals(ErrorCode.BADPARAM.code(), missing.status());
    assertTrue(missing.getMessage().contains("cannot read"), missing.getMessage());
    RpcException relative = assertThrows(RpcException.class,
        () -> processes.exec(b2Processes, "hello.jar", List.of(), Map.of()));
    assertTrue(relative.getMessage().contains("absolute"), relative.getMessage());
  }

  @Test
  void sysServerTellsBoardInfoAndLoadAndShutdownNeedsTheOwner() throws Exception {
    SysClient sys = new SysClient(b1.rpc(), TIMEOUT);
    Capability owner = BoardPorts.owner(KEY, BoardPorts.SYS, "b2");
    Map<String, String> info = sys.info(owner);
    assertEquals("b2", info.get("name"));
    assertEquals("emulated", info.get("model"));
    assertEquals(Integer.toString(Runtime.getRuntime().availableProcessors()), info.get("cores"));
    Map<String, String> load = sys.load(owner);
    assertTrue(Long.parseLong(load.get("speed_index")) > 0);
    assertNotNull(load.get("free_heap_bytes"));
    Capability reader = new StdClient(b1.rpc(), TIMEOUT).restrict(owner, Rights.READ);
    assertEquals("b2", sys.info(reader).get("name"));
    RpcException denied = assertThrows(RpcException.class, () -> sys.shutdown(reader));
    assertEquals(ErrorCode.DENIED.code(), denied.status());
    sys.shutdown(owner);
    assertTrue(b2.awaitStop(10, java.util.concurrent.TimeUnit.SECONDS));
  }
}
