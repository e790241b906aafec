package amoeba.kernel.server;

import amoeba.kernel.process.KernelProcess;
import amoeba.kernel.process.ProcessState;

/** What the process server tells about one process. */
public record ProcessInfo(
    int pid, String name, ProcessState state, int exitStatus, long cpuNanos, int threads, long startMillis) {

  static ProcessInfo of(KernelProcess p) {
    return new ProcessInfo(p.pid(), p.name(), p.state(), p.exitStatus(), p.cpuNanos(), p.threads(), p.startMillis());
  }

  void write(Wire.Out out) {
    out.i32(pid).str(name).u8(state.code()).i32(exitStatus).i64(cpuNanos).i32(threads).i64(startMillis);
  }

  static ProcessInfo read(Wire.In in) throws Wire.Malformed {
    int pid = in.i32();
    String name = in.str();
    int code = in.u8();
    ProcessState state =
        ProcessState.fromCode(code).orElseThrow(() -> new Wire.Malformed("unknown state " + code));
    return new ProcessInfo(pid, name, state, in.i32(), in.i64(), in.i32(), in.i64());
  }
}
