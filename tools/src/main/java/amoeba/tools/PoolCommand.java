package amoeba.tools;

import amoeba.ipc.rpc.RpcException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code amoeba pool status}: every board of the pool, up or down, with its load. */
@Command(name = "pool", description = "The pool as a whole.", subcommands = PoolCommand.Status.class)
final class PoolCommand {
  /** One board's answer: its state and what its sys server reported (empty when down). */
  record BoardStatus(String name, boolean up, String error, Map<String, String> values) {}

  @Command(name = "status", description = {
      "Boards, model, up/down, load, memory, processes, FLIP drops.",
      "Asks every board's sys server at once; a board that does not answer in time is down."})
  static final class Status implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Option(names = "--boards", split = ",", paramLabel = "B1,B2,...",
        description = "The pool's boards (default: the profile's).")
    List<String> boards;

    @Option(names = "--json", description = "One JSON object: {\"boards\": [{\"name\": ..., \"state\": \"up\"|\"down\", ...}], ...}.")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (boards == null || boards.isEmpty()) {
        throw new CliFailure("no boards known: give --boards b1,b2,... or use a profile written by emulate or flash");
      }
      List<BoardStatus> all;
      try (KernelCli.Session s = kernel.open()) {
        all = ask(s, boards);
      }
      PrintWriter out = spec.commandLine().getOut();
      long up = all.stream().filter(BoardStatus::up).count();
      if (json) {
        List<String> rows = new ArrayList<>();
        for (BoardStatus b : all) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("name", b.name());
          row.put("state", b.up() ? "up" : "down");
          row.putAll(b.values());
          if (b.error() != null) {
            row.put("error", b.error());
          }
          rows.add(KernelCli.json(row));
        }
        out.printf("{\"transport\":%s,\"up\":%d,\"down\":%d,\"boards\":[%s]}%n",
            KernelCli.quote(kernel.net.transport.name()), up, all.size() - up, String.join(",", rows));
      } else {
        out.printf("%-10s %-5s %-10s %5s %6s %10s %6s %8s %6s%n",
            "BOARD", "STATE", "MODEL", "CORES", "LOAD", "FREE_HEAP", "PROCS", "UPTIME", "DROPS");
        for (BoardStatus b : all) {
          Map<String, String> v = b.values();
          if (!b.up()) {
            out.printf("%-10s %-5s %s%n", b.name(), "down", b.error());
            continue;
          }
          out.printf("%-10s %-5s %-10s %5s %6s %10s %6s %8s %6s%n", b.name(), "up", v.get("model"),
              v.get("cores"), v.get("load_average"), mib(v.get("free_heap_bytes")), v.get("processes"),
              seconds(v.get("uptime_ms")), v.get("flip_drops"));
        }
        out.printf("%d of %d boards up (transport %s)%n", up, all.size(), kernel.net.transport);
      }
      out.flush();
      return up == all.size() ? 0 : 1;
    }
  }

  /** Asks every board's sys server (info and load) concurrently. */
  static List<BoardStatus> ask(KernelCli.Session s, List<String> boards) {
    List<CompletableFuture<BoardStatus>> pending = new ArrayList<>();
    for (String b : boards) {
      pending.add(CompletableFuture.supplyAsync(() -> {
        try {
          Map<String, String> v = new LinkedHashMap<>(s.sys.info(s.sysServer(b)));
          v.putAll(s.sys.load(s.sysServer(b)));
          v.remove("name");
          return new BoardStatus(b, true, null, v);
        } catch (RpcException e) {
          return new BoardStatus(b, false, e.getMessage(), Map.of());
        }
      }));
    }
    return pending.stream().map(CompletableFuture::join).toList();
  }

  private static String mib(String bytes) {
    return bytes == null ? "-" : (Long.parseLong(bytes) >> 20) + " MiB";
  }

  private static String seconds(String millis) {
    return millis == null ? "-" : (Long.parseLong(millis) / 1000) + "s";
  }
}
