package amoeba.kernel.server;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.process.KernelProcess;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Client stubs of a process server; each method is one {@link Rpc#trans}. Process commands take
 * either a process capability (pid ignored) or the server's capability and a pid.
 */
public final class ProcessClient {
  /** Headroom over a long-poll's wait for the call's own timeout. */
  private static final long SLACK_NANOS = 10_000_000_000L;

  /** The result of an exec. */
  public record Started(int pid, Capability capability) {}

  /** New output since the offsets asked for, and the process's state when it was read. */
  public record Output(long outStart, byte[] out, long errStart, byte[] err, ProcessInfo info) {
    public long outEnd() {
      return outStart + out.length;
    }

    public long errEnd() {
      return errStart + err.length;
    }
  }

  private final Transactions rpc;
  private final long timeoutNanos;

  public ProcessClient(Rpc rpc, long timeoutNanos) {
    this(rpc::trans, timeoutNanos);
  }

  /** Over a process's IPC or any other carrier of transactions. */
  public ProcessClient(Transactions rpc, long timeoutNanos) {
    this.rpc = rpc;
    this.timeoutNanos = timeoutNanos;
  }

  private RpcMessage call(Capability cap, ProcessCommand command, Wire.Out data, long timeout)
      throws RpcException {
    RpcMessage rq = new RpcMessage().capability(cap).command(command.code()).data(data.buffer());
    RpcMessage reply = rpc.trans(rq, timeout);
    if (!reply.ok()) {
      String why = new String(bytes(reply), StandardCharsets.UTF_8);
      throw new RpcException(reply.status(), command.name() + (why.isEmpty() ? "" : ": " + why));
    }
    return reply;
  }

  private static byte[] bytes(RpcMessage reply) {
    byte[] b = new byte[reply.dataLength()];
    reply.data().get(reply.data().position(), b);
    return b;
  }

  private static Wire.In in(RpcMessage reply) {
    return new Wire.In(java.nio.ByteBuffer.wrap(bytes(reply)));
  }

  private static RpcException malformed(ProcessCommand c, Wire.Malformed e) {
    return new RpcException(ErrorCode.BADPARAM.code(), c.name() + " reply: " + e.getMessage());
  }

  /** Runs the jar (an absolute path on the board) there. */
  public Started exec(Capability server, String jarPath, List<String> args, Map<String, String> env)
      throws RpcException {
    return exec(server, jarPath, args, env, null);
  }

  /** Runs the jar, restoring {@code state} (a checkpoint of a Checkpointable program) first. */
  public Started exec(Capability server, String jarPath, List<String> args, Map<String, String> env,
      byte[] state) throws RpcException {
    return exec(server, jarPath, args, env, state, false, 0);
  }

  /** Runs the jar in a child JVM of its own with at most {@code heapMb} MiB of heap. */
  public Started execJvm(Capability server, String jarPath, List<String> args, Map<String, String> env,
      int heapMb) throws RpcException {
    return exec(server, jarPath, args, env, null, true, heapMb);
  }

  private Started exec(Capability server, String jarPath, List<String> args, Map<String, String> env,
      byte[] state, boolean jvm, int heapMb) throws RpcException {
    return exec(server, jarPath, args, env, state, jvm, heapMb, List.of());
  }

  /**
   * Runs a migrated process: its checkpoint, isolation and the servers it had (each continued
   * as the same instance with its transaction table, see {@link KernelProcess.MovedServer}).
   * Returns once the program serves those ports again.
   */
  public Started exec(Capability server, String jarPath, List<String> args, Map<String, String> env,
      byte[] state, boolean jvm, int heapMb, List<KernelProcess.MovedServer> servers) throws RpcException {
    Wire.Out d = new Wire.Out().str(jarPath).u16(args.size());
    args.forEach(d::str);
    d.u16(env.size());
    env.forEach((k, v) -> d.str(k).str(v));
    if (state != null || jvm || !servers.isEmpty()) {
      d.u8(jvm ? 1 : 0).i32(heapMb);
      if (state == null) {
        d.i32(-1);
      } else {
        d.i32(state.length).bytes(state);
      }
    }
    if (!servers.isEmpty()) {
      d.u16(servers.size());
      for (KernelProcess.MovedServer m : servers) {
        d.i64(m.putPort()).i64(m.instance()).i32(m.table().length).bytes(m.table());
      }
    }
    RpcMessage reply = call(server, ProcessCommand.EXEC, d, timeoutNanos);
    return new Started(reply.offset(), reply.capability());
  }

  public List<ProcessInfo> list(Capability server) throws RpcException {
    RpcMessage reply = call(server, ProcessCommand.LIST, new Wire.Out(), timeoutNanos);
    try {
      Wire.In in = in(reply);
      List<ProcessInfo> all = new ArrayList<>();
      for (int n = in.i32(); n > 0; n--) {
        all.add(ProcessInfo.read(in));
      }
      return all;
    } catch (Wire.Malformed e) {
      throw malformed(ProcessCommand.LIST, e);
    }
  }

  public ProcessInfo kill(Capability cap, int pid) throws RpcException {
    RpcMessage reply = call(cap, ProcessCommand.KILL, new Wire.Out().i32(pid), timeoutNanos);
    try {
      return ProcessInfo.read(in(reply));
    } catch (Wire.Malformed e) {
      throw malformed(ProcessCommand.KILL, e);
    }
  }

  /** The process's state, after waiting up to {@code waitMillis} for it to finish. */
  public ProcessInfo status(Capability cap, int pid, int waitMillis) throws RpcException {
    RpcMessage reply =
        call(cap, ProcessCommand.STATUS, new Wire.Out().i32(pid).i32(waitMillis),
            timeoutNanos + waitMillis * 1_000_000L + SLACK_NANOS);
    try {
      return ProcessInfo.read(in(reply));
    } catch (Wire.Malformed e) {
      throw malformed(ProcessCommand.STATUS, e);
    }
  }

  /** Output after the offsets, waiting up to {@code waitMillis} for some (long-poll). */
  public Output readOutput(Capability cap, int pid, long outOffset, long errOffset, int waitMillis)
      throws RpcException {
    Wire.Out d = new Wire.Out().i32(pid).i64(outOffset).i64(errOffset).i32(waitMillis)
        .i32(ProcessServer.MAX_READ_BYTES);
    RpcMessage reply =
        call(cap, ProcessCommand.READ_OUTPUT, d, timeoutNanos + waitMillis * 1_000_000L + SLACK_NANOS);
    try {
      Wire.In in = in(reply);
      long os = in.i64();
      byte[] o = in.bytes(in.i32());
      long es = in.i64();
      byte[] e = in.bytes(in.i32());
      return new Output(os, o, es, e, ProcessInfo.read(in));
    } catch (Wire.Malformed e) {
      throw malformed(ProcessCommand.READ_OUTPUT, e);
    }
  }

  /** Stuns a Checkpointable process at its safe point, waiting up to {@code waitMillis}. */
  public ProcessInfo stun(Capability cap, int pid, int waitMillis) throws RpcException {
    RpcMessage reply = call(cap, ProcessCommand.STUN, new Wire.Out().i32(pid).i32(waitMillis),
        timeoutNanos + waitMillis * 1_000_000L + SLACK_NANOS);
    try {
      return ProcessInfo.read(in(reply));
    } catch (Wire.Malformed e) {
      throw malformed(ProcessCommand.STUN, e);
    }
  }

  /** Moves a Checkpointable process to {@code board}; it keeps its ports. */
  public Started migrate(Capability cap, int pid, String board) throws RpcException {
    RpcMessage reply = call(cap, ProcessCommand.MIGRATE, new Wire.Out().i32(pid).str(board),
        timeoutNanos + ProcessServer.STUN_WAIT_MS * 1_000_000L + SLACK_NANOS);
    return new Started(reply.offset(), reply.capability());
  }

  /** Forwards stdin bytes; {@code close} ends the program's input after them. */
  public void writeStdin(Capability cap, int pid, byte[] bytes, boolean close) throws RpcException {
    call(cap, ProcessCommand.WRITE_STDIN, new Wire.Out().i32(pid).u8(close ? 1 : 0).bytes(bytes),
        timeoutNanos);
  }
}
