package amoeba.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amoeba pools ls} and {@code amoeba pools use NAME}: profiles, like kubectl contexts. */
@Command(name = "pools", description = "List the pool profiles, or choose the current one.",
    subcommands = {PoolsCommand.Ls.class, PoolsCommand.Use.class})
final class PoolsCommand {
  @Command(name = "ls", description = "Profiles under ~/.amoeba/pools; '*' marks the current one.")
  static final class Ls implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      String current = PoolProfile.currentName();
      for (String name : PoolProfile.names()) {
        out.printf("%s %-16s %s%n", name.equals(current) ? "*" : " ", name,
            PoolProfile.read(name).getProperty("transport", "udp"));
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "use", description = "Make profile NAME the current one.")
  static final class Use implements Callable<Integer> {
    @Parameters(paramLabel = "NAME") String name;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      List<String> names = PoolProfile.names();
      if (!names.contains(name)) {
        throw new CliFailure("no pool profile '" + name + "' (there are: " + String.join(", ", names) + ")");
      }
      PoolProfile.use(name);
      spec.commandLine().getOut().println("current pool: " + name);
      return 0;
    }
  }
}
