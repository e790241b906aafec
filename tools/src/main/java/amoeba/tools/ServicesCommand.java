package amoeba.tools;

import amoeba.ipc.rpc.RpcException;
import amoeba.servers.boot.BootClient;
import amoeba.servers.boot.ServiceSpec;
import amoeba.servers.boot.Supervisor;
import amoeba.servers.run.Launch;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amoeba services ls|add|rm}: the boot server's list of services kept running. */
@Command(name = "services", description = "The services the boot server keeps running.",
    subcommands = {ServicesCommand.Ls.class, ServicesCommand.Add.class, ServicesCommand.Rm.class})
final class ServicesCommand {
  static CliFailure failure(RpcException e) {
    return new CliFailure("boot server: " + e.getMessage(), e);
  }

  @Command(name = "ls", description = "Services, their instances (board, pid, health) and recent events.")
  static final class Ls implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Option(names = "--json", description = "One JSON object.")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      BootClient.Listing listing;
      try (KernelCli.Session s = kernel.open()) {
        listing = s.boot.list(s.bootServer());
      } catch (RpcException e) {
        throw failure(e);
      }
      out.println(json ? json(listing) : table(listing));
      out.flush();
      return 0;
    }

    static String table(BootClient.Listing l) {
      StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-16s %9s  %s", "NAME", "RUNNING", "PROGRAM"));
      for (BootClient.ServiceListing s : l.services()) {
        Launch launch = s.spec().launch();
        b.append(String.format(Locale.ROOT, "%n%-16s %9s  %s %s [%s]", s.spec().name(),
            s.instances().size() + "/" + s.spec().instances(), launch.source(), String.join(" ", launch.args()),
            launch.constraints()));
        for (BootClient.InstanceView i : s.instances()) {
          b.append(String.format(Locale.ROOT, "%n  %-14s pid %-6d %s", i.board(), i.pid(), i.health().name().toLowerCase(Locale.ROOT)));
        }
      }
      if (!l.events().isEmpty()) {
        b.append("\nrecent events:");
        for (Supervisor.Event e : l.events()) {
          b.append(String.format(Locale.ROOT, "%n  %tT %s: %s", e.timeMs(), e.service(), e.text()));
        }
      }
      return b.toString();
    }

    static String json(BootClient.Listing l) {
      List<String> services = new ArrayList<>();
      for (BootClient.ServiceListing s : l.services()) {
        Launch launch = s.spec().launch();
        List<String> instances = new ArrayList<>();
        for (BootClient.InstanceView i : s.instances()) {
          instances.add("{\"board\":" + KernelCli.quote(i.board()) + ",\"pid\":" + i.pid() + ",\"health\":"
              + KernelCli.quote(i.health().name().toLowerCase(Locale.ROOT)) + "}");
        }
        services.add("{\"name\":" + KernelCli.quote(s.spec().name()) + ",\"source\":" + KernelCli.quote(launch.source())
            + ",\"args\":[" + String.join(",", launch.args().stream().map(KernelCli::quote).toList()) + "]"
            + ",\"constraints\":" + KernelCli.quote(launch.constraints().toString())
            + ",\"desired\":" + s.spec().instances() + ",\"owed_restarts\":" + s.owedRestarts()
            + ",\"poll_ms\":" + s.spec().pollMs() + ",\"restart_ms\":" + s.spec().restartMs()
            + ",\"instances\":[" + String.join(",", instances) + "]}");
      }
      List<String> events = new ArrayList<>();
      for (Supervisor.Event e : l.events()) {
        events.add("{\"time_ms\":" + e.timeMs() + ",\"service\":" + KernelCli.quote(e.service()) + ",\"text\":"
            + KernelCli.quote(e.text()) + "}");
      }
      return "{\"services\":[" + String.join(",", services) + "],\"events\":[" + String.join(",", events) + "]}";
    }
  }

  @Command(name = "add", description = {"Keep INSTANCES copies of a program running.",
      "SOURCE as for 'amoeba run'; put '--' before program arguments that start with '-'."})
  static final class Add implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(index = "0", paramLabel = "NAME", description = "The service's name.")
    String name;

    @Parameters(index = "1", paramLabel = "SOURCE", description = "The program.")
    String source;

    @Parameters(index = "2..*", paramLabel = "ARG", description = "The program's arguments.")
    List<String> args = new ArrayList<>();

    @Option(names = "--instances", defaultValue = "1", description = "Copies to keep running (default: ${DEFAULT-VALUE}).")
    int instances;

    @Option(names = "--on", paramLabel = "BOARD", description = "Run on this board only.")
    String on;

    @Option(names = "--needs", paramLabel = "model=MODEL|TAG", description = "As for 'amoeba run' (repeatable).")
    List<String> needs = new ArrayList<>();

    @Option(names = "--avoid", paramLabel = "BOARD", description = "Never this board (repeatable).")
    List<String> avoid = new ArrayList<>();

    @Option(names = "--poll-ms", defaultValue = "" + ServiceSpec.DEFAULT_POLL_MS,
        description = "Liveness poll of each instance (default: ${DEFAULT-VALUE}).")
    int pollMs;

    @Option(names = "--restart-ms", defaultValue = "" + ServiceSpec.DEFAULT_RESTART_MS,
        description = "At most one restart per this many ms (default: ${DEFAULT-VALUE}).")
    int restartMs;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      try (KernelCli.Session s = kernel.open()) {
        ServiceSpec service;
        try {
          service = new ServiceSpec(name, new Launch(s.programSource(source), args,
              RunCommand.constraints(on, needs, avoid)), instances, pollMs, restartMs);
        } catch (IllegalArgumentException e) {
          throw new CliFailure(e.getMessage(), e);
        }
        s.boot.add(s.bootServer(), service);
      } catch (RpcException e) {
        throw failure(e);
      }
      return 0;
    }
  }

  @Command(name = "rm", description = "Stop keeping a service: its instances are killed.")
  static final class Rm implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (KernelCli.Session s = kernel.open()) {
        s.boot.remove(s.bootServer(), name);
      } catch (RpcException e) {
        throw failure(e);
      }
      return 0;
    }
  }
}
