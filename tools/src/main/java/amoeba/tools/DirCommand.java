package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.Rights;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.directory.CapabilitySet;
import amoeba.servers.directory.DirectoryClient;
import amoeba.servers.directory.DirectoryState;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba dir ls|mkdir|put|get|rm|chmod}: the pool's namespace, from the root directory
 * whose owner capability the pool key gives.
 */
@Command(name = "dir", description = "The pool's namespace (the replicated directory server).",
    subcommands = {DirCommand.Ls.class, DirCommand.Mkdir.class, DirCommand.Put.class,
        DirCommand.Get.class, DirCommand.Rm.class, DirCommand.Chmod.class})
final class DirCommand {
  private DirCommand() {}

  /** What every dir subcommand shares: a session and the root's client. */
  abstract static class Base implements Callable<Integer> {
    @Mixin KernelCli kernel;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    abstract void run(DirectoryClient dir, PrintWriter out) throws RpcException;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (KernelCli.Session s = kernel.open()) {
        run(s.namespace(), out);
      } catch (RpcException e) {
        throw new CliFailure("dir: " + e.getMessage(), e);
      }
      out.flush();
      return 0;
    }
  }

  static String caps(List<Capability> caps) {
    List<String> s = new ArrayList<>();
    caps.forEach(c -> s.add(CapabilityText.format(c)));
    return String.join(",", s);
  }

  @Command(name = "ls", description = "List a directory: name, masks per column, capabilities.")
  static final class Ls extends Base {
    @Parameters(index = "0", defaultValue = "/", paramLabel = "PATH") String path;
    @Option(names = "--json", description = "One JSON object per row and line.") boolean json;

    @Override
    void run(DirectoryClient dir, PrintWriter out) throws RpcException {
      DirectoryClient.Listing l = dir.list(dir.root(), path);
      if (!json) {
        out.printf("%-24s %-20s %s%n", "NAME", "MASKS " + l.columns(), "CAPABILITIES");
      }
      for (DirectoryClient.Row r : l.rows()) {
        List<String> masks = new ArrayList<>();
        for (int m : r.masks()) {
          masks.add(Rights.toHex(m));
        }
        if (json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("name", r.name());
          m.put("masks", String.join(",", masks));
          m.put("caps", caps(r.capabilities()));
          out.println(KernelCli.json(m));
        } else {
          out.printf("%-24s %-20s %s%n", r.name(), String.join(",", masks), caps(r.capabilities()));
        }
      }
    }
  }

  @Command(name = "mkdir", description = "Create a directory (its parent must exist).")
  static final class Mkdir extends Base {
    @Parameters(index = "0", paramLabel = "PATH") String path;

    @Override
    void run(DirectoryClient dir, PrintWriter out) throws RpcException {
      out.println(CapabilityText.format(dir.mkdir(path).first()));
    }
  }

  @Command(name = "put", description = "Enter PATH naming a capability set (replaces an existing row).")
  static final class Put extends Base {
    @Parameters(index = "0", paramLabel = "PATH") String path;
    @Parameters(index = "1", paramLabel = "CAPS", description = "cap:HEX[,cap:HEX...] (1..8, one per replica)")
    String caps;

    @Override
    void run(DirectoryClient dir, PrintWriter out) throws RpcException {
      List<Capability> list;
      try {
        list = CapabilityText.parseList(caps);
      } catch (RuntimeException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "bad capability: " + e.getMessage());
      }
      if (list.size() > CapabilitySet.MAX) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "at most " + CapabilitySet.MAX + " capabilities");
      }
      dir.install(dir.root(), List.of(new DirectoryClient.InstallItem(path, false, null, new CapabilitySet(list))));
    }
  }

  @Command(name = "get", description = "Look PATH up: its capability set.")
  static final class Get extends Base {
    @Parameters(index = "0", paramLabel = "PATH") String path;
    @Option(names = "--json", description = "As a JSON object.") boolean json;

    @Override
    void run(DirectoryClient dir, PrintWriter out) throws RpcException {
      CapabilitySet set = dir.lookup(path);
      if (json) {
        out.println(KernelCli.json(Map.of("path", path, "caps", caps(set.capabilities()))));
      } else {
        set.capabilities().forEach(c -> out.println(CapabilityText.format(c)));
      }
    }
  }

  @Command(name = "rm", description = "Remove the row PATH (not what it names).")
  static final class Rm extends Base {
    @Parameters(index = "0", paramLabel = "PATH") String path;

    @Override
    void run(DirectoryClient dir, PrintWriter out) throws RpcException {
      dir.remove(path);
    }
  }

  @Command(name = "chmod", description = "Set the rights mask of one column of the row PATH.")
  static final class Chmod extends Base {
    @Parameters(index = "0", paramLabel = "PATH") String path;
    @Parameters(index = "1", paramLabel = "COLUMN", description = "0..3 or a column name (owner, group, other)")
    String column;
    @Parameters(index = "2", paramLabel = "MASK", description = "0xNN or letters like crmd---a",
        converter = CapArgs.RightsConverter.class)
    int mask;

    @Override
    void run(DirectoryClient dir, PrintWriter out) throws RpcException {
      int c = column.matches("\\d") ? Integer.parseInt(column) : DirectoryState.DEFAULT_COLUMNS.indexOf(column);
      if (c < 0 || c >= DirectoryState.MAX_COLUMNS) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "COLUMN is 0.." + (DirectoryState.MAX_COLUMNS - 1) + " or one of " + DirectoryState.DEFAULT_COLUMNS);
      }
      int[] masks = dir.getmasks(dir.root(), path);
      if (c >= masks.length) {
        throw new CliFailure("dir: " + path + " has " + masks.length + " columns");
      }
      masks[c] = mask;
      dir.chmod(dir.root(), path, masks);
    }
  }
}
