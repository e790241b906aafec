package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.ProcessInfo;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amoeba kill PID --on B} or {@code amoeba kill CAP}. */
@Command(name = "kill", description = {
    "Kill a process: PID with --on BOARD (using the pool key), or its capability.",
    "Its threads are interrupted and its capability revoked."})
final class KillCommand implements Callable<Integer> {
  @Mixin KernelCli kernel;

  @Parameters(index = "0", paramLabel = "PID|CAP", description = "A process number, or a process capability.")
  String target;

  @Option(names = "--on", paramLabel = "BOARD", description = "The board of PID.")
  String board;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (KernelCli.Session s = kernel.open()) {
      Capability cap;
      int pid;
      if (target.startsWith("cap:")) {
        cap = CapabilityText.parse(target);
        pid = 0;
      } else {
        if (board == null) {
          throw new picocli.CommandLine.ParameterException(spec.commandLine(), "kill PID needs --on BOARD");
        }
        try {
          pid = Integer.parseInt(target);
        } catch (NumberFormatException e) {
          throw new picocli.CommandLine.ParameterException(spec.commandLine(), "not a pid or capability: " + target);
        }
        cap = s.processServer(board);
      }
      try {
        ProcessInfo p = s.processes.kill(cap, pid);
        out.println(p.pid() + " " + p.state().name().toLowerCase(java.util.Locale.ROOT) + " " + p.exitStatus());
      } catch (RpcException e) {
        throw KernelCli.failure(board == null ? "of the capability" : board, e);
      }
      out.flush();
    }
    return 0;
  }
}
