package amoeba.kernel.process;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.Port;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupMember;
import amoeba.kernel.api.Ipc;
import amoeba.kernel.api.PoolAuthority;
import amoeba.kernel.api.ProcessContext;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The main class of a child JVM in {@code jvm} isolation: {@code ChildMain BOARD PID CAP JAR
 * ARGS...}. The program's stdin, stdout and stderr are the child's own (piped to its kernel), its
 * environment is the child's environment (set by the kernel to exactly the process's), its exit
 * status the child's. IPC is not offered in this mode yet (no local channel to the kernel's
 * RPC): {@code ipc()} throws.
 */
public final class ChildMain {
  private ChildMain() {}

  public static void main(String[] argv) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    if (argv.length < 4) {
      err.println("usage: ChildMain BOARD PID CAP JAR [ARGS...]");
      System.exit(2);
    }
    String board = argv[0];
    int pid = Integer.parseInt(argv[1]);
    Capability self = CapabilityText.parse(argv[2]);
    List<String> args = List.copyOf(Arrays.asList(argv).subList(4, argv.length));
    Map<String, String> env = Map.copyOf(System.getenv());
    int status;
    try {
      ProgramLoader.Loaded loaded =
          new ProgramLoader(ChildMain.class.getClassLoader()).load(Path.of(argv[3]));
      Thread.currentThread().setContextClassLoader(loaded.loader());
      status = loaded.program().run(new Context(board, pid, self, args, env, out, err));
    } catch (Throwable t) {
      t.printStackTrace(err);
      status = KernelProcess.STATUS_CRASHED;
    }
    out.flush();
    err.flush();
    System.exit(status);
  }

  private record Context(String board, int pid, Capability self, List<String> args,
      Map<String, String> env, PrintStream stdout, PrintStream stderr) implements ProcessContext {
    @Override
    public InputStream stdin() {
      return System.in;
    }

    @Override
    public Capability root() {
      return null;
    }

    @Override
    public java.nio.file.Path storage() {
      return null;
    }

    @Override
    public PoolAuthority authority() {
      return null;
    }

    @Override
    public Ipc ipc() {
      return new Ipc() {
        @Override
        public RpcMessage trans(RpcMessage request, long timeoutNanos) {
          throw noIpc();
        }

        @Override
        public RpcServer serve(Port getPort) {
          throw noIpc();
        }

        @Override
        public GroupMember createGroup(long port, GroupConfig config) {
          throw noIpc();
        }

        @Override
        public GroupMember joinGroup(long port, GroupConfig config, long timeoutNanos) {
          throw noIpc();
        }
      };
    }

    private static UnsupportedOperationException noIpc() {
      return new UnsupportedOperationException("IPC is not available in jvm isolation yet");
    }
  }
}
