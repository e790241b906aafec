package amoeba.servers.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.StdClient;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.server.Wire;
import amoeba.servers.TestPool;
import amoeba.servers.run.Constraints;
import amoeba.servers.run.Launch;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The boot server against a real run server: b0 hosts the run server (placing on b1, b2, b3)
 * and the supervisor's RPC; time is a hand clock, so restart rates are checked without sleeps.
 */
class BootServerTest {
  static final long TIMEOUT = 10_000_000_000L;
  static final Capability RUN = BoardPorts.owner(TestPool.KEY, "run", "pool");
  static final Capability BOOT = BoardPorts.owner(TestPool.KEY, "boot", "pool");
  static final List<String> BOARDS = List.of("b1", "b2", "b3");

  @TempDir Path dir;
  TestPool pool;
  final AtomicLong clock = new AtomicLong();
  ProcessClient processes;

  @BeforeEach
  void boot() throws Exception {
    pool = new TestPool("b0", "b1", "b2", "b3");
    pool.board("b0").startService("run", List.of("--poll-ms", "200", "b1", "b2", "b3"));
    processes = new ProcessClient(pool.board("b0").rpc(), TIMEOUT);
  }

  @AfterEach
  void close() {
    pool.close();
  }

  Supervisor supervisor() {
    return BootProgram.supervisor(pool.board("b0").rpc()::trans, new FileBootStore(dir.resolve("state")), RUN, clock::get);
  }

  static ServiceSpec sleeper(int instances, int restartMs) {
    return new ServiceSpec("svc", new Launch("builtin:sleeper", List.of(), Constraints.ANY), instances, 1000, restartMs);
  }

  static Supervisor.Instance only(Supervisor s) {
    List<Supervisor.Instance> all = s.services().get(0).instances();
    assertEquals(1, all.size(), all.toString());
    return all.get(0);
  }

  long sleepers() {
    return BOARDS.stream().filter(b -> !pool.board(b).isClosed()).mapToLong(pool::running).sum();
  }

  String lastEvent(Supervisor s) {
    List<Supervisor.Event> e = s.events();
    return e.get(e.size() - 1).text();
  }

  @Test
  void restartsKilledAndLostInstancesOnAnotherBoardNoMoreOftenThanItsRate() throws Exception {
    Supervisor s = supervisor();
    s.add(sleeper(1, 10_000));
    s.tick();
    Supervisor.Instance first = only(s);
    assertEquals(1, sleepers());

    processes.kill(first.capability(), 0);
    clock.set(1000);
    s.tick();
    Supervisor.Instance second = only(s);
    assertNotEquals(first.board(), second.board(), "restarted on another board");
    assertTrue(s.events().stream().anyMatch(e -> e.text().equals("instance on " + first.board() + " pid " + first.pid() + " is dead: its capability is void (killed, or forgotten by its board) (CAPBAD)")),
        s.events().toString());

    processes.kill(second.capability(), 0);
    clock.set(2000);
    s.tick();
    assertEquals(0, s.services().get(0).instances().size());
    assertEquals(1, s.services().get(0).owedRestarts());
    clock.set(10_999);
    s.tick();
    assertEquals(0, s.services().get(0).instances().size(), "one restart per 10 s: the last was at 1000");
    clock.set(11_000);
    s.tick();
    Supervisor.Instance third = only(s);
    assertFalse(List.of(first.board(), second.board()).contains(third.board()), "prefers a board it lost nothing on");

    pool.board(third.board()).close(); // the board is gone, its instance with it
    clock.set(12_000);
    s.tick();
    assertEquals(0, s.services().get(0).instances().size());
    assertEquals("instance on " + third.board() + " pid " + third.pid() + " is dead: its board does not answer", lastEvent(s).replaceAll(" \\(.*", ""));
    clock.set(21_000);
    s.tick();
    Supervisor.Instance fourth = only(s);
    assertNotEquals(third.board(), fourth.board());
    assertEquals(1, sleepers(), "exactly one instance runs on the live boards");
    assertEquals(1, pool.running(fourth.board()));
  }

  @Test
  void adoptsTheInstancesStillRunningAfterItsOwnRestart() throws Exception {
    Supervisor before = supervisor();
    before.add(sleeper(2, 0));
    before.tick();
    List<Supervisor.Instance> started = before.services().get(0).instances();
    assertEquals(2, started.size());
    processes.kill(started.get(0).capability(), 0); // dies while no boot server runs

    Supervisor after = supervisor(); // the restarted boot server: same store, fresh memory
    after.recover();
    assertEquals(List.of(started.get(1)), after.services().get(0).instances(), "adopted the live one");
    assertTrue(after.events().stream().anyMatch(e -> e.text().equals("adopted on " + started.get(1).board() + " pid " + started.get(1).pid())));
    assertTrue(after.events().stream().anyMatch(e -> e.text().startsWith("lost on " + started.get(0).board())));
    assertEquals(1, sleepers());
    after.tick();
    assertEquals(2, after.services().get(0).instances().size());
    assertEquals(2, sleepers(), "one new start for the lost one, none for the adopted one");
  }

  @Test
  void listAddRemoveOverRpcWithCapabilitiesChecked() throws Exception {
    Supervisor s = supervisor();
    Port getPort = BoardPorts.getPort(TestPool.KEY, "boot", "pool");
    BootServer server = new BootServer(getPort, s, new SecureRandom());
    server.serve(pool.board("b0").rpc().server(getPort), 2);
    try {
      BootClient client = new BootClient(pool.board("b1").rpc()::trans, TIMEOUT);
      client.add(BOOT, sleeper(1, 0));
      assertEquals(ErrorCode.EXISTS.code(), assertThrows(RpcException.class, () -> client.add(BOOT, sleeper(1, 0))).status());
      s.tick();
      BootClient.Listing listing = client.list(BOOT);
      assertEquals(1, listing.services().size());
      BootClient.ServiceListing svc = listing.services().get(0);
      assertEquals(sleeper(1, 0), svc.spec());
      Supervisor.Instance running = only(s);
      assertEquals(List.of(new BootClient.InstanceView(running.board(), running.pid(), Supervisor.Health.ALIVE)), svc.instances());
      assertEquals(List.of("added: 1 x builtin:sleeper []", "started on " + running.board() + " pid " + running.pid()),
          listing.events().stream().map(Supervisor.Event::text).toList());

      StdClient std = new StdClient(pool.board("b1").rpc(), TIMEOUT);
      Capability readOnly = std.restrict(BOOT, Rights.READ);
      Capability forged = new Capability(BOOT.port(), 0, Rights.ALL, BOOT.check() + 1);
      assertEquals(1, client.list(readOnly).services().size());
      assertEquals(ErrorCode.CAPBAD.code(), assertThrows(RpcException.class, () -> client.list(forged)).status());
      assertEquals(ErrorCode.CAPBAD.code(), assertThrows(RpcException.class, () -> client.add(forged, sleeper(1, 0))).status());
      assertEquals(ErrorCode.CAPBAD.code(), assertThrows(RpcException.class, () -> client.remove(forged, "svc")).status());
      assertEquals(ErrorCode.DENIED.code(), assertThrows(RpcException.class, () -> client.add(readOnly, sleeper(1, 0))).status());
      assertEquals(ErrorCode.DENIED.code(), assertThrows(RpcException.class, () -> client.remove(readOnly, "svc")).status());
      assertEquals(ErrorCode.DENIED.code(), assertThrows(RpcException.class, () -> std.destroy(BOOT)).status());

      assertEquals(ErrorCode.BADPARAM, call(BootServerCommand.ADD, ByteBuffer.wrap(new byte[] {0, 9, 'x'})));
      Wire.Out tooMany = new Wire.Out().str("big");
      new Launch("builtin:sleeper", List.of(), Constraints.ANY).write(tooMany);
      tooMany.u16(ServiceSpec.MAX_INSTANCES + 1).i32(1000).i32(0);
      assertEquals(ErrorCode.BADPARAM, call(BootServerCommand.ADD, tooMany.buffer()));
      assertEquals(ErrorCode.BADPARAM, call(BootServerCommand.REMOVE, ByteBuffer.allocate(1)));
      assertEquals(1, s.services().size(), "nothing malformed was added");

      client.remove(BOOT, "svc");
      assertEquals(0, sleepers(), "its instance was killed");
      assertEquals(0, client.list(BOOT).services().size());
      assertEquals(ErrorCode.NO_SUCH_OBJECT.code(), assertThrows(RpcException.class, () -> client.remove(BOOT, "svc")).status());
    } finally {
      server.stop();
    }
  }

  ErrorCode call(BootServerCommand command, ByteBuffer data) {
    RpcMessage reply = pool.board("b1").rpc().trans(new RpcMessage().capability(BOOT).command(command.code()).data(data), TIMEOUT);
    return reply.error();
  }
}
