package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.flip.FlipBox;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.directory.DirectoryClient;
import amoeba.kernel.server.ProcessClient;
import amoeba.kernel.server.SysClient;
import amoeba.capabilities.CapabilityFormatException;
import amoeba.capabilities.CapabilityText;
import amoeba.kernel.process.ProgramLoader;
import amoeba.servers.boot.BootClient;
import amoeba.servers.boot.BootProgram;
import amoeba.servers.directory.Namespace;
import amoeba.servers.run.RunClient;
import amoeba.servers.run.RunProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What the kernel commands (exec, ps, kill, board) share: the CLI's own FLIP endpoint and the
 * pool key, from which it derives each board's server ports and owner capabilities.
 */
final class KernelCli {
  @Mixin NetworkOptions net;

  @Option(names = {"-W", "--timeout-ms"}, defaultValue = "5000",
      description = "Give up on a call after this long (default: ${DEFAULT-VALUE}).")
  long timeoutMs;

  /** One open client: box, RPC and the stubs. */
  final class Session implements AutoCloseable {
    final FlipBox box = net.openBox();
    final Rpc rpc = new Rpc(box, RpcConfig.defaults(), new SecureRandom());
    final ProcessClient processes = new ProcessClient(rpc, timeoutMs * 1_000_000L);
    final SysClient sys = new SysClient(rpc, timeoutMs * 1_000_000L);
    final byte[] key = net.poolKey();
    final RunClient run = new RunClient(rpc::trans, timeoutMs * 1_000_000L);
    final BootClient boot = new BootClient(rpc::trans, timeoutMs * 1_000_000L);

    /** The run server's owner capability (every instance of it accepts it). */
    Capability runServer() {
      return BoardPorts.owner(key, RunProgram.SERVICE, BoardPorts.POOL);
    }

    Capability bootServer() {
      return BoardPorts.owner(key, BootProgram.SERVICE, BoardPorts.POOL);
    }

    /**
     * The pool's namespace, where paths such as /bin/hello resolve: the replicated directory,
     * from the root capability every pool-key holder derives.
     */
    DirectoryClient namespace() {
      return new DirectoryClient(BoardPorts.rootDirectory(key), rpc, timeoutMs * 1_000_000L);
    }

    /**
     * What the kernel loads for a SOURCE word: {@code cap:HEX} and {@code builtin:NAME} as they
     * are; an existing local file or a name ending in .jar as its absolute path (a jar on the
     * boards' file system, as {@code amoeba exec} takes it); any other absolute path is a name in
     * the pool's namespace, looked up to its file capability.
     */
    String programSource(String text) {
      if (text.startsWith(CapabilityText.PREFIX)) {
        try {
          CapabilityText.parseList(text);
        } catch (CapabilityFormatException e) {
          throw new CliFailure("not a capability: " + e.getMessage(), e);
        }
        return text;
      }
      if (text.startsWith(ProgramLoader.BUILTIN)) {
        return text;
      }
      Path path = Path.of(text);
      if (Files.isRegularFile(path) || text.endsWith(".jar")) {
        return path.toAbsolutePath().normalize().toString();
      }
      if (text.startsWith("/")) {
        try {
          // every replica: the board falls back to a live one if the first is gone
          return CapabilityText.formatList(namespace().lookup(text).capabilities());
        } catch (RpcException e) {
          throw new CliFailure(text + ": " + e.getMessage(), e);
        }
      }
      throw new CliFailure("no such program: " + text + " (a jar, /path in the namespace, builtin:NAME or cap:HEX[,cap:HEX...])");
    }

    Capability processServer(String board) {
      return BoardPorts.owner(key, BoardPorts.PROCESS, board);
    }

    Capability sysServer(String board) {
      return BoardPorts.owner(key, BoardPorts.SYS, board);
    }

    @Override
    public void close() {
      rpc.close();
      box.close();
    }
  }

  Session open() {
    return new Session();
  }

  static CliFailure failure(String board, RpcException e) {
    return new CliFailure("board " + board + ": " + e.getMessage(), e);
  }

  /** A flat JSON object of strings and numbers (numbers stay unquoted). */
  static String json(Map<String, ?> values) {
    StringBuilder b = new StringBuilder("{");
    values.forEach((k, v) -> {
      if (b.length() > 1) {
        b.append(',');
      }
      b.append(quote(k)).append(':');
      if (v instanceof Number) {
        b.append(v);
      } else if (v instanceof String s && s.matches("-?\\d{1,18}")) {
        b.append(s);
      } else {
        b.append(quote(String.valueOf(v)));
      }
    });
    return b.append('}').toString();
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
