package amoeba.tools;

import amoeba.capabilities.CapabilityText;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.server.ProcessInfo;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amoeba migrate PID --on A --to B} and {@code amoeba stun PID --on A}. */
final class MigrateCommand {
  private MigrateCommand() {}

  @Command(name = "migrate", description = {
      "Move a Checkpointable process to another board: stun, checkpoint, exec there, close here.",
      "It keeps its ports: its clients continue. Prints 'PID CAPABILITY' of the new incarnation."})
  static final class Migrate implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(index = "0", paramLabel = "PID") int pid;

    @Option(names = "--on", required = true, paramLabel = "BOARD", description = "Where it runs now.")
    String board;

    @Option(names = "--to", required = true, paramLabel = "BOARD", description = "Where it goes.")
    String to;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KernelCli.Session s = kernel.open()) {
        ProcessClient.Started moved = s.processes.migrate(s.processServer(board), pid, to);
        out.println(moved.pid() + " " + CapabilityText.format(moved.capability()));
      } catch (RpcException e) {
        throw KernelCli.failure(board, e);
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "stun", description = "Stop a Checkpointable process at its safe point (for a checkpoint).")
  static final class Stun implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(index = "0", paramLabel = "PID") int pid;

    @Option(names = "--on", required = true, paramLabel = "BOARD") String board;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KernelCli.Session s = kernel.open()) {
        ProcessInfo p = s.processes.stun(s.processServer(board), pid, 5000);
        out.println(p.pid() + " " + p.state().name().toLowerCase(java.util.Locale.ROOT));
        out.flush();
        return p.state() == amoeba.kernel.process.ProcessState.STUNNED ? 0 : 1;
      } catch (RpcException e) {
        throw KernelCli.failure(board, e);
      }
    }
  }
}
