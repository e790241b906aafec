package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityFormatException;
import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.bullet.BulletClient;
import amoeba.servers.BoardList;
import amoeba.servers.bullet.BulletServer;
import amoeba.servers.bullet.BulletServers;
import amoeba.servers.bullet.ReplicaRepair;
import amoeba.servers.directory.CapabilitySet;
import amoeba.servers.directory.Namespace;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba file put|cat|stat|repair}: immutable files on the boards' Bullet servers, replicated.
 * A file is named by a path of the pool's namespace or by its capability set in text form:
 * {@code cap:HEX} per replica, separated by commas (what {@code put} without a path prints, one
 * per line).
 */
@Command(name = "file", description = "Store and read immutable, replicated files (Bullet servers).",
    subcommands = {FileCommand.Put.class, FileCommand.Cat.class, FileCommand.Stat.class, FileCommand.Repair.class})
final class FileCommand {
  private FileCommand() {}

  /** The namespace paths resolve in: the pool's replicated directory. */
  static Namespace namespace(KernelCli.Session session) {
    return session.namespace();
  }

  /** A path of the namespace, or capabilities in text form (comma-separated). */
  static CapabilitySet resolve(KernelCli.Session session, String target) {
    if (!target.startsWith(CapabilityText.PREFIX)) {
      try {
        return namespace(session).lookup(target);
      } catch (RpcException e) {
        throw new CliFailure(target + ": " + e.getMessage(), e);
      }
    }
    List<Capability> caps;
    try {
      caps = CapabilityText.parseList(target);
    } catch (CapabilityFormatException e) {
      throw new CliFailure("not a capability: " + e.getMessage(), e);
    }
    try {
      return new CapabilitySet(caps);
    } catch (IllegalArgumentException e) {
      throw new CliFailure(e.getMessage(), e);
    }
  }

  static BulletClient client(KernelCli kernel, KernelCli.Session session) {
    BulletClient.Options d = BulletClient.Options.defaults();
    return new BulletClient(session.rpc,
        new BulletClient.Options(d.chunkBytes(), d.window(), kernel.timeoutMs * 1_000_000L));
  }

  /** The pool's boards: --boards, else the profile's board list. */
  static List<String> boards(List<String> option) {
    if (option != null && !option.isEmpty()) {
      return option;
    }
    String listed = PoolProfile.current().get(PoolProfile.BOARD_NAMES);
    if (listed == null || listed.isBlank()) {
      throw new CliFailure("which boards? give --boards b1,b2,... (amoeba emulate writes them into the pool profile)");
    }
    return Arrays.stream(listed.split(",")).map(String::trim).filter(b -> !b.isEmpty()).toList();
  }

  /** The Bullet servers of {@code boards}, starting at a random one (files spread over the boards). */
  static List<Capability> servers(KernelCli.Session session, List<String> boards) {
    try {
      return BulletServers.of(BoardList.of(boards), b -> BoardPorts.owner(session.key, BulletServer.SERVICE, b),
          ThreadLocalRandom.current()).list();
    } catch (RpcException e) {
      throw new IllegalStateException("a fixed board list does not fail", e);
    }
  }

  /** The board whose Bullet server issued {@code file}, if it is one of {@code boards}. */
  static String boardOf(byte[] key, List<String> boards, Capability file) {
    for (String b : boards) {
      if (BoardPorts.putPort(key, BulletServer.SERVICE, b).equals(file.port())) {
        return b;
      }
    }
    return "?";
  }

  @Command(name = "put", description = {
      "Store LOCAL as an immutable file on --replicas boards' Bullet servers.",
      "With PATH the file is entered in the namespace; without, its capabilities are printed",
      "(one cap: line per replica)."})
  static final class Put implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(index = "0", paramLabel = "LOCAL", description = "The local file ('-' for stdin).")
    String local;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "Where in the namespace.")
    String path;

    @Option(names = "--replicas", defaultValue = "2", description = "Copies on different boards (default: ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--boards", split = ",", paramLabel = "BOARD",
        description = "Boards to place it on (default: the pool profile's list); a random one first.")
    List<String> boards;

    @Option(names = "--no-fsync", description = "Commit without waiting for the disks (a power cut may lose it).")
    boolean noFsync;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (replicas < 1 || replicas > CapabilitySet.MAX) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--replicas is 1.." + CapabilitySet.MAX);
      }
      List<String> names = boards(boards);
      PrintWriter out = spec.commandLine().getOut();
      try (KernelCli.Session s = kernel.open(); BulletClient bullet = client(kernel, s)) {
        Namespace ns = path == null ? null : namespace(s);
        if (ns != null) {
          requireFree(ns, path); // before any byte is stored
        }
        List<Capability> servers = servers(s, names);
        CapabilitySet set;
        try (InputStream in = local.equals("-") ? System.in : Files.newInputStream(Path.of(local))) {
          long size = local.equals("-") ? -1 : Files.size(Path.of(local));
          InputStream source = size >= PROGRESS_FROM_BYTES
              ? new Progress(in, size, spec.commandLine().getErr()) : in;
          set = bullet.create(source, servers, replicas, !noFsync);
        } catch (NoSuchFileException e) {
          throw new CliFailure("no such file: " + local, e);
        } catch (IOException e) {
          throw new CliFailure("cannot read " + local + ": " + e.getMessage(), e);
        } catch (RpcException e) {
          throw new CliFailure("put: " + e.getMessage(), e);
        }
        if (ns == null) {
          set.capabilities().forEach(c -> out.println(CapabilityText.format(c)));
        } else {
          try {
            ns.enter(path, set);
          } catch (RpcException e) {
            try {
              bullet.destroy(set);
            } catch (RpcException ignored) {
              // the file is unreachable anyway: it ages away
            }
            throw new CliFailure(path + ": " + e.getMessage(), e);
          }
          out.println(path);
        }
        out.flush();
      }
      return 0;
    }
  }

  /** Uploads at least this big show their progress on stderr (8 MiB). */
  static final long PROGRESS_FROM_BYTES = 8L << 20;

  /** Counts what the upload read and prints "put: 12 / 64 MiB (18%)" on stderr, once a second. */
  static final class Progress extends java.io.FilterInputStream {
    private final long size;
    private final PrintWriter err;
    private long read;
    private long lastNanos = System.nanoTime();

    Progress(InputStream in, long size, PrintWriter err) {
      super(in);
      this.size = size;
      this.err = err;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        read += n;
        long now = System.nanoTime();
        if (now - lastNanos >= 1_000_000_000L || read == size) {
          lastNanos = now;
          err.printf("put: %d / %d MiB (%d%%)%n", read >> 20, size >> 20, read * 100 / Math.max(1, size));
          err.flush();
        }
      }
      return n;
    }
  }

  /** Fails clearly unless the directory answers and {@code path} is not taken. */
  static void requireFree(Namespace ns, String path) {
    try {
      ns.lookup(path);
    } catch (RpcException e) {
      if (e.code().orElse(null) == ErrorCode.NO_SUCH_OBJECT) {
        return;
      }
      throw new CliFailure(path + ": " + e.getMessage(), e);
    }
    throw new CliFailure(path + ": exists already (amoeba dir rm it first)");
  }

  @Command(name = "cat", description = "Write a file's bytes to stdout (or -o FILE), from any live replica.")
  static final class Cat implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(paramLabel = "PATH|CAPS", description = "A path, or cap:HEX[,cap:HEX...].")
    String target;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.")
    Path output;

    @Override
    public Integer call() {
      try (KernelCli.Session s = kernel.open(); BulletClient bullet = client(kernel, s)) {
        CapabilitySet set = resolve(s, target);
        try (OutputStream out = output == null ? new UnclosedStdout() : Files.newOutputStream(output)) {
          bullet.read(set, out);
        } catch (IOException e) {
          throw new CliFailure("cannot write: " + e.getMessage(), e);
        } catch (RpcException e) {
          throw new CliFailure(target + ": " + e.getMessage(), e);
        }
      }
      return 0;
    }
  }

  /** System.out as bytes, flushed but never closed. */
  private static final class UnclosedStdout extends OutputStream {
    @Override
    public void write(int b) {
      System.out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      System.out.write(b, off, len);
    }

    @Override
    public void close() {
      System.out.flush();
    }
  }

  @Command(name = "stat", description = "A file's size and its replicas: which answer, on which board.")
  static final class Stat implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(paramLabel = "PATH|CAPS", description = "A path, or cap:HEX[,cap:HEX...].")
    String target;

    @Option(names = "--boards", split = ",", paramLabel = "BOARD", description = "Boards to name replicas by (default: the profile's).")
    List<String> boards;

    @Option(names = "--json", description = "One JSON object.")
    boolean json;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      List<String> names;
      try {
        names = boards(boards);
      } catch (CliFailure e) {
        names = List.of(); // replicas are then shown without their board
      }
      try (KernelCli.Session s = kernel.open(); BulletClient bullet = client(kernel, s)) {
        CapabilitySet set = resolve(s, target);
        long size = -1;
        int live = 0;
        List<String> lines = new ArrayList<>();
        for (Capability c : set.capabilities()) {
          String board = boardOf(s.key, names, c);
          try {
            long n = bullet.size(CapabilitySet.of(c));
            size = n;
            live++;
            lines.add(String.format("%s %-6s live", CapabilityText.format(c), board));
          } catch (RpcException e) {
            lines.add(String.format("%s %-6s %s", CapabilityText.format(c), board, e.getMessage()));
          }
        }
        if (live == 0) {
          throw new CliFailure(target + ": no replica answers (" + lines.get(lines.size() - 1) + ")");
        }
        if (json) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("size", size);
          m.put("replicas", set.capabilities().size());
          m.put("live", live);
          for (int i = 0; i < set.capabilities().size(); i++) {
            m.put("replica" + i, CapabilityText.format(set.capabilities().get(i)));
            m.put("board" + i, boardOf(s.key, names, set.capabilities().get(i)));
          }
          out.println(KernelCli.json(m));
        } else {
          out.printf("size %d bytes, %d of %d replicas live%n", size, live, set.capabilities().size());
          lines.forEach(out::println);
        }
        out.flush();
      }
      return 0;
    }
  }

  @Command(name = "repair", description = {
      "Restore the replicas of the files named under PATH... (default /bin /home /services) that",
      "lost some with their boards: each is copied from a live replica to a board holding none,",
      "then its row is updated with a compare (a concurrent update wins). The boot server runs",
      "the same pass every 60 s. Exit 1 if a file could not be repaired."})
  static final class Repair implements Callable<Integer> {
    @Mixin KernelCli kernel;

    @Parameters(arity = "0..*", paramLabel = "PATH", description = "Subtrees or files of the namespace.")
    List<String> paths;

    @Option(names = "--boards", split = ",", paramLabel = "BOARD",
        description = "The pool's Bullet boards (default: the profile's): where copies go, and how files are recognised.")
    List<String> boards;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      List<String> names = boards(boards);
      PrintWriter out = spec.commandLine().getOut();
      try (KernelCli.Session s = kernel.open(); BulletClient bullet = client(kernel, s)) {
        List<Capability> servers = servers(s, names);
        ReplicaRepair.Report report;
        try {
          report = new ReplicaRepair(s.namespace(), bullet, () -> servers)
              .pass(paths == null || paths.isEmpty() ? ReplicaRepair.DEFAULT_ROOTS : paths);
        } catch (RpcException e) {
          throw new CliFailure("repair: " + e.getMessage(), e);
        }
        report.notes().forEach(out::println);
        out.println(report);
        out.flush();
        return report.failed() == 0 ? 0 : 1;
      }
    }
  }
}
