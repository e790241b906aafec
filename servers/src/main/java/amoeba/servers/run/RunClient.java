package amoeba.servers.run;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.Transactions;
import amoeba.kernel.server.Wire;
import amoeba.servers.Calls;
import java.util.ArrayList;
import java.util.List;

/** Client stubs of the run server ({@link RunCommand}); each method is one transaction. */
public final class RunClient {
  /** Where a program was started. */
  public record Placed(String board, int pid, Capability capability) {}

  /** A board as the run server sees it, with its placement score. */
  public record Scored(BoardStatus board, long score) {}

  private final Transactions rpc;
  private final long timeoutNanos;

  public RunClient(Transactions rpc, long timeoutNanos) {
    this.rpc = rpc;
    this.timeoutNanos = timeoutNanos;
  }

  private Calls.Reply call(Capability cap, RunCommand command, Wire.Out data) throws RpcException {
    return Calls.call(rpc, cap, command.code(), command.name(), data, timeoutNanos);
  }

  private static RpcException malformed(RunCommand c, Wire.Malformed e) {
    return new RpcException(ErrorCode.BADPARAM.code(), c.name() + " reply: " + e.getMessage());
  }

  /** Starts the program on a board the run server chooses. */
  public Placed run(Capability runServer, Launch launch) throws RpcException {
    Wire.Out d = new Wire.Out();
    launch.write(d);
    Calls.Reply reply = call(runServer, RunCommand.RUN, d);
    try {
      return new Placed(reply.data().str(), reply.offset(), reply.capability());
    } catch (Wire.Malformed e) {
      throw malformed(RunCommand.RUN, e);
    }
  }

  /** The boards the run server knows, by name. */
  public List<Scored> boards(Capability runServer) throws RpcException {
    Calls.Reply reply = call(runServer, RunCommand.BOARDS, new Wire.Out());
    try {
      Wire.In in = reply.data();
      List<Scored> all = new ArrayList<>();
      for (int n = in.u16(); n > 0; n--) {
        all.add(new Scored(BoardStatus.read(in), in.i64()));
      }
      return all;
    } catch (Wire.Malformed e) {
      throw malformed(RunCommand.BOARDS, e);
    }
  }
}
