package amoeba.tools;

import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.ProcessInfo;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code amoeba ps --board B}: the processes of boards. */
@Command(name = "ps", description = {
    "List the processes of boards: pid, state, exit status, CPU, threads, name.",
    "Name the boards with --board (the directory server will list them later)."})
final class PsCommand implements Callable<Integer> {
  @Mixin KernelCli kernel;

  @Option(names = "--board", required = true, split = ",", paramLabel = "BOARD", description = "Boards to list (repeatable or comma-separated).")
  List<String> boards;

  @Option(names = "--json", description = "One JSON object per process and line.")
  boolean json;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (KernelCli.Session s = kernel.open()) {
      if (!json) {
        out.printf("%-8s %6s %-8s %6s %10s %7s %s%n", "BOARD", "PID", "STATE", "STATUS", "CPU_MS", "THREADS", "NAME");
      }
      for (String board : boards) {
        List<ProcessInfo> list;
        try {
          list = s.processes.list(s.processServer(board));
        } catch (RpcException e) {
          throw KernelCli.failure(board, e);
        }
        for (ProcessInfo p : list) {
          if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("board", board);
            m.put("pid", p.pid());
            m.put("name", p.name());
            m.put("state", p.state().name().toLowerCase(java.util.Locale.ROOT));
            m.put("status", p.exitStatus());
            m.put("cpu_ms", p.cpuNanos() / 1_000_000L);
            m.put("threads", p.threads());
            m.put("start_ms", p.startMillis());
            out.println(KernelCli.json(m));
          } else {
            out.printf("%-8s %6d %-8s %6s %10d %7d %s%n", board, p.pid(), p.state(),
                p.state().finished() ? Integer.toString(p.exitStatus()) : "-",
                p.cpuNanos() / 1_000_000L, p.threads(), p.name());
          }
        }
      }
      out.flush();
    }
    return 0;
  }
}
