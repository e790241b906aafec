package amoeba.kernel.process;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.kernel.api.Checkpointable;
import amoeba.kernel.api.Ipc;
import amoeba.kernel.api.PoolAuthority;
import amoeba.kernel.api.ProcessContext;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The main class of a child JVM in {@code jvm} isolation: {@code ChildMain BOARD PID CAP JAR
 * ARGS...}. Its stdin and stdout pipes are the local channel to its kernel ({@link
 * ChannelFrame}): the program's stdin, stdout and stderr and its IPC ({@link ChildIpc}) travel
 * as frames; {@code System.out}/{@code err} are redirected into frames too, so nothing else
 * writes the channel. Its environment is the child's (set by the kernel to exactly the
 * process's), its exit status the child's.
 *
 * <p>Order: load the jar, HELLO (whether it is Checkpointable), wait for START (the root
 * capability, a checkpoint to restore), run. A stun interrupts the main thread; when run returns
 * the child sends its checkpoint (STUNNED) and waits to be ended by its kernel.
 */
public final class ChildMain {
  /** How long the child waits for its kernel's START. */
  static final long START_WAIT_MS = 30_000;

  private ChildMain() {}

  public static void main(String[] argv) {
    ChannelFrame.Writer writer =
        new ChannelFrame.Writer(new java.io.BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16));
    PrintStream out = new PrintStream(new FrameStream(writer, ChannelFrame.STDOUT), true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(new FrameStream(writer, ChannelFrame.STDERR), true, StandardCharsets.UTF_8);
    System.setOut(out);
    System.setErr(err);
    if (argv.length < 4) {
      err.println("usage: ChildMain BOARD PID CAP JAR [ARGS...]");
      System.exit(2);
    }
    ChildIpc ipc = new ChildIpc(writer, new FileInputStream(FileDescriptor.in), Thread.currentThread());
    System.setIn(ipc.stdin());
    int status;
    try {
      ProgramLoader.Loaded loaded =
          new ProgramLoader(ChildMain.class.getClassLoader()).load(Path.of(argv[3]));
      Thread.currentThread().setContextClassLoader(loaded.loader());
      boolean checkpointable = loaded.program() instanceof Checkpointable;
      ipc.start();
      writer.write(ChannelFrame.HELLO, ByteBuffer.wrap(new byte[] {(byte) (checkpointable ? ChannelFrame.CHECKPOINTABLE : 0)}));
      ChildIpc.Start start = ipc.awaitStart(START_WAIT_MS);
      if (start.state() != null) {
        ((Checkpointable) loaded.program()).restore(start.state());
      }
      Context context = new Context(argv[0], Integer.parseInt(argv[1]), CapabilityText.parse(argv[2]),
          start.root(), List.copyOf(Arrays.asList(argv).subList(4, argv.length)),
          Map.copyOf(System.getenv()), ipc.stdin(), out, err, ipc);
      status = loaded.program().run(context);
      if (ipc.stunRequested() && checkpointable) {
        Thread.interrupted(); // the stun's interrupt is consumed
        writer.write(ChannelFrame.STUNNED, ByteBuffer.wrap(((Checkpointable) loaded.program()).checkpoint()));
        ipc.awaitEnd(); // held at the safe point until the kernel ends this JVM
      }
    } catch (Throwable t) { // whatever fails, the kernel gets the trace and status 1
      t.printStackTrace(err);
      status = KernelProcess.STATUS_CRASHED;
    }
    out.flush();
    err.flush();
    System.exit(status);
  }

  /** One output stream of the program as frames of {@code kind}. */
  private static final class FrameStream extends OutputStream {
    private final ChannelFrame.Writer writer;
    private final int kind;

    FrameStream(ChannelFrame.Writer writer, int kind) {
      this.writer = writer;
      this.kind = kind;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      for (int done = 0; done < len; ) {
        int n = Math.min(len - done, ChannelFrame.MAX_PAYLOAD);
        writer.write(kind, b, off + done, n);
        done += n;
      }
    }
  }

  private record Context(String board, int pid, Capability self, Capability root, List<String> args,
      Map<String, String> env, InputStream stdin, PrintStream stdout, PrintStream stderr, Ipc ipc)
      implements ProcessContext {
    @Override
    public java.nio.file.Path storage() {
      return null; // only builtins get storage, and they never run in a child
    }

    @Override
    public PoolAuthority authority() {
      return null;
    }
  }
}
