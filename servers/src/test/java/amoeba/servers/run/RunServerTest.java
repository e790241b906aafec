package amoeba.servers.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Rights;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.StdClient;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.server.Wire;
import amoeba.servers.TestPool;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The run server as the builtin program of board b1, placing on b1, b2, b3 (three kernels in
 * this JVM over a loopback hub); the client calls from b2's RPC.
 */
class RunServerTest {
  static final long TIMEOUT = 10_000_000_000L;
  static final Capability OWNER = BoardPorts.owner(TestPool.KEY, "run", "pool");

  TestPool pool;
  RunClient run;

  @BeforeEach
  void boot() {
    pool = new TestPool("b1", "b2", "b3");
    run = new RunClient(pool.board("b2").rpc()::trans, TIMEOUT);
  }

  @AfterEach
  void close() {
    pool.close();
  }

  /** Starts the run server; the poll interval is long, so its picture is the first poll's. */
  void startRunServer() throws Exception {
    pool.board("b1").startService("run", List.of("--poll-ms", "600000", "b1", "b2", "b3"));
  }

  String firstLine(RunClient.Placed placed) throws RpcException {
    ProcessClient processes = new ProcessClient(pool.board("b2").rpc(), TIMEOUT);
    ProcessClient.Output out = processes.readOutput(placed.capability(), 0, 0, 0, 5000);
    return new String(out.out(), StandardCharsets.UTF_8);
  }

  @Test
  void placesOnTheLeastLoadedBoardAndTheCapabilityNamesTheProcess() throws Exception {
    // b1 and b2 busy with 8 processes each; b3 (booted last: the warmest JIT, so no slower) idle
    for (String b : List.of("b1", "b2")) {
      for (int i = 0; i < 8; i++) {
        pool.board(b).startService("sleeper", List.of());
      }
    }
    startRunServer();
    for (int i = 0; i < 2; i++) {
      RunClient.Placed placed = run.run(OWNER, new Launch("builtin:hello", List.of("x" + i), Constraints.ANY));
      assertEquals("b3", placed.board());
      assertEquals("hello from b3 x" + i + "\n", firstLine(placed));
    }
    List<RunClient.Scored> boards = run.boards(OWNER);
    assertEquals(List.of("b1", "b2", "b3"), boards.stream().map(s -> s.board().name()).toList());
    assertTrue(boards.stream().allMatch(s -> s.board().reachable()), boards.toString());
    assertTrue(boards.get(2).score() > boards.get(0).score(), boards.toString());
    assertTrue(boards.get(2).board().load() >= 2, "the two placements count until the next poll: " + boards);
  }

  @Test
  void constraintsPickTheBoardOrSayWhyNoneFits() throws Exception {
    startRunServer();
    RunClient.Placed onB2 = run.run(OWNER, new Launch("builtin:hello", List.of(), Constraints.parse("b2", List.of(), List.of())));
    assertEquals("b2", onB2.board());
    for (int i = 0; i < 5; i++) {
      RunClient.Placed p = run.run(OWNER,
          new Launch("builtin:hello", List.of(), Constraints.parse("", List.of(), List.of("b1", "b3"))));
      assertEquals("b2", p.board());
    }
    RpcException none = assertThrows(RpcException.class,
        () -> run.run(OWNER, new Launch("builtin:hello", List.of(), Constraints.parse("", List.of("model=pi5"), List.of()))));
    assertEquals(ErrorCode.NOTNOW.code(), none.status());
    assertTrue(none.getMessage().contains("b1: model emulated, not pi5"), none.getMessage());
    RpcException refused = assertThrows(RpcException.class,
        () -> run.run(OWNER, new Launch("/no/such.jar", List.of(), Constraints.ANY)));
    assertEquals(ErrorCode.BADPARAM.code(), refused.status());
    assertTrue(refused.getMessage().contains("cannot read /no/such.jar"), refused.getMessage());
  }

  @Test
  void aBoardThatWentAwaySinceThePollIsSkipped() throws Exception {
    for (int i = 0; i < 8; i++) {
      pool.board("b2").startService("sleeper", List.of()); // b3 is the best board of the picture
    }
    startRunServer();
    run.boards(OWNER); // the picture is taken: all three answer
    pool.board("b3").close();
    Constraints notB1 = Constraints.parse("", List.of(), List.of("b1"));
    RunClient.Placed p = run.run(OWNER, new Launch("builtin:hello", List.of(), notB1));
    assertEquals("b2", p.board(), "b3 was chosen, did not answer the exec, and b2 got the program");
    RunClient.Scored b3 = run.boards(OWNER).get(2);
    assertEquals("b3", b3.board().name());
    assertFalse(b3.board().reachable(), "marked unreachable until a poll finds it again");
    assertEquals("b2", run.run(OWNER, new Launch("builtin:hello", List.of(), notB1)).board());
  }

  @Test
  void forgedAndUnderPrivilegedCapabilitiesAreRefusedOnEveryCommand() throws Exception {
    startRunServer();
    Launch hello = new Launch("builtin:hello", List.of(), Constraints.ANY);
    Capability forged = new Capability(OWNER.port(), 0, Rights.ALL, OWNER.check() ^ 1);
    StdClient std = new StdClient(pool.board("b2").rpc(), TIMEOUT);
    Capability readOnly = std.restrict(OWNER, Rights.READ);
    Capability createOnly = std.restrict(OWNER, Rights.CREATE);
    assertEquals(ErrorCode.CAPBAD.code(), assertThrows(RpcException.class, () -> run.run(forged, hello)).status());
    assertEquals(ErrorCode.CAPBAD.code(), assertThrows(RpcException.class, () -> run.boards(forged)).status());
    assertEquals(ErrorCode.DENIED.code(), assertThrows(RpcException.class, () -> run.run(readOnly, hello)).status());
    assertEquals(ErrorCode.DENIED.code(), assertThrows(RpcException.class, () -> run.boards(createOnly)).status());
    assertEquals("b1", run.run(createOnly, new Launch("builtin:hello", List.of(), Constraints.parse("b1", List.of(), List.of()))).board());
    assertEquals(3, run.boards(readOnly).size());
    assertEquals(ErrorCode.DENIED.code(), assertThrows(RpcException.class, () -> std.destroy(OWNER)).status());
    assertEquals(ErrorCode.DENIED.code(), assertThrows(RpcException.class, () -> std.revoke(OWNER)).status());
  }

  @Test
  void malformedRequestsGetBadparam() throws Exception {
    startRunServer();
    assertEquals(ErrorCode.BADPARAM, call(RunCommand.RUN.code(), ByteBuffer.wrap(new byte[] {0, 5, 'a'})));
    Wire.Out tooMany = new Wire.Out().str("builtin:hello").u16(Launch.MAX_ARGS + 1);
    assertEquals(ErrorCode.BADPARAM, call(RunCommand.RUN.code(), tooMany.buffer()));
    Wire.Out empty = new Wire.Out().str("").u16(0).u16(0);
    Constraints.ANY.write(empty);
    assertEquals(ErrorCode.BADPARAM, call(RunCommand.RUN.code(), empty.buffer()), "an empty source");
    assertEquals(ErrorCode.COMMAND_UNKNOWN, call(RunCommand.RUN.code() + 50, ByteBuffer.allocate(0)));
    assertEquals(0, pool.running("b2") + pool.running("b3"), "nothing was started");
  }

  ErrorCode call(int command, ByteBuffer data) {
    RpcMessage reply = pool.board("b2").rpc().trans(new RpcMessage().capability(OWNER).command(command).data(data), TIMEOUT);
    return reply.error();
  }
}
