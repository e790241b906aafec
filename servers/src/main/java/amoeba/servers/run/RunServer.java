package amoeba.servers.run;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.server.Wire;
import amoeba.servers.PoolServer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The run server: places a program on the pool ({@link RunCommand}). It keeps no state a client
 * depends on (only a picture of the boards, refreshed by polling), so any number of instances
 * may serve the same get-port and FLIP's locate picks one.
 *
 * <p>RUN: decode and check the request, choose a board ({@link Placement} over the {@link
 * BoardMonitor}'s picture), exec there through the board's process server. A board that fails
 * the exec at the RPC level (gone since its last poll) is marked unreachable and the choice is
 * made once more among the others; a board that refuses the program (BADPARAM: no such jar, not
 * a program) passes its reason on: another board would refuse it too.
 */
public final class RunServer extends PoolServer {
  /** Boards tried per RUN: the chosen one and, if it turned out to be gone, one more. */
  static final int ATTEMPTS = 2;

  private final BoardMonitor monitor;
  private final Placement placement;
  private final RandomGenerator random;
  private final ProcessClient processes;
  private final Function<String, Capability> processServerOf;

  /**
   * @param processServerOf a board's process server owner capability (from the pool authority)
   * @param random draws the object secret and the choice among near-best boards
   */
  public RunServer(Port getPort, BoardMonitor monitor, Placement placement, ProcessClient processes,
      Function<String, Capability> processServerOf, RandomGenerator random) {
    super(getPort, random);
    this.monitor = monitor;
    this.placement = placement;
    this.random = random;
    this.processes = processes;
    this.processServerOf = processServerOf;
    command(RunCommand.RUN.code(), Rights.CREATE, (o, rq, rp) -> run(rq, rp));
    command(RunCommand.BOARDS.code(), Rights.READ, (o, rq, rp) -> boards(rp));
  }

  @Override
  protected String info(Service object) {
    return "run server";
  }

  private int run(RpcMessage request, RpcMessage reply) {
    Launch launch;
    try {
      launch = Launch.read(new Wire.In(request.data()));
    } catch (Wire.Malformed e) {
      return fail(reply, ErrorCode.BADPARAM, "RUN: " + e.getMessage());
    }
    request.release(); // decoded: the FLIP buffer is not needed during the exec
    monitor.ensurePolled(); // the first request after a start does not wait for the poll timer
    Set<String> gone = new HashSet<>();
    for (int attempt = 1; ; attempt++) {
      BoardStatus board;
      try {
        board = placement.choose(monitor.snapshot(), launch.constraints().avoiding(gone), random);
      } catch (Placement.NoBoardFits e) {
        return fail(reply, ErrorCode.NOTNOW, e.getMessage());
      }
      try {
        ProcessClient.Started started = processes.exec(
            processServerOf.apply(board.name()), launch.source(), launch.args(), launch.env());
        monitor.placed(board.name());
        Logger.info("run server: {} {} on {} as pid {}", launch.source(), launch.args(), board.name(), started.pid());
        reply.capability(started.capability()).offset(started.pid());
        reply.data(new Wire.Out().str(board.name()).buffer());
        return 0;
      } catch (RpcException e) {
        boolean boardGone = ErrorCode.fromCode(e.status()).map(ErrorCode::isRpcLevel).orElse(false);
        if (!boardGone) {
          return fail(reply, ErrorCode.fromCode(e.status()).orElse(ErrorCode.SYSERR),
              "board " + board.name() + ": " + e.getMessage());
        }
        monitor.unreachable(board.name());
        gone.add(board.name());
        if (attempt == ATTEMPTS) {
          return fail(reply, ErrorCode.NOTNOW, "board " + board.name() + " did not answer: " + e.getMessage());
        }
      }
    }
  }

  private int boards(RpcMessage reply) {
    List<BoardStatus> all = monitor.snapshot();
    Wire.Out out = new Wire.Out().u16(all.size());
    for (BoardStatus b : all) {
      b.write(out);
      out.i64((long) placement.score(b));
    }
    reply.data(out.buffer());
    return 0;
  }
}
