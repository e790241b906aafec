package amoeba.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.flip.BoxConfig;
import amoeba.flip.net.LoopbackNetwork;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupMember;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import amoeba.kernel.process.KernelProcess;
import amoeba.kernel.process.ProcessState;
import amoeba.kernel.process.ProgramLoader;
import amoeba.kernel.process.ProgramStore;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.testprograms.Hello;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builtin system programs: what they are granted, and program files fetched by capability. */
class SystemProgramTest {
  static final byte[] KEY = "a pool key of the system tests!!".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path dir;
  Kernel board;

  /** What a program saw of its grants; handed to the test through a queue. */
  record Seen(Capability root, Path storage, boolean authority, Port dirPort) {}

  static final BlockingQueue<Seen> SEEN = new ArrayBlockingQueue<>(4);
  static final BlockingQueue<Long> DELIVERED = new ArrayBlockingQueue<>(4);

  /** Reports its grants; with argument "group", creates a group and delivers its own message. */
  public static final class Probe implements Program {
    @Override
    public int run(ProcessContext ctx) throws Exception {
      Path storage = ctx.storage();
      if (storage != null) {
        Files.writeString(storage.resolve("state"), "kept");
      }
      SEEN.add(new Seen(ctx.root(), storage, ctx.authority() != null,
          ctx.authority() == null ? null : ctx.authority().getPort("dir", "pool")));
      if (ctx.args().contains("group")) {
        GroupMember g = ctx.ipc().createGroup(0x5EED, GroupConfig.defaults());
        g.send(new byte[] {42});
        DELIVERED.add(g.receive(5_000_000_000L).seq());
        // the process ends here: the kernel closes the group (checked by the test)
      }
      return 0;
    }
  }

  Kernel boot(ProgramStore store) {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    BoxConfig box = BoxConfig.defaults(1).withPoolKey(KEY);
    Map<String, Supplier<? extends Program>> builtins = Map.of("probe", Probe::new);
    board = Kernel.boot(BoardConfig.emulated("b1", box, List.of(hub.attach("b1")))
        .withDataFolder(dir.resolve("data"))
        .withPrograms(new BoardConfig.Programs(builtins, store)));
    return board;
  }

  @AfterEach
  void close() {
    if (board != null) {
      board.close();
    }
    SEEN.clear();
    DELIVERED.clear();
  }

  @Test
  void aBuiltinGetsStorageAuthorityAndTheRootDirectory() throws Exception {
    boot(ProgramStore.NONE);
    KernelProcess p = board.startService("probe", List.of());
    Seen seen = SEEN.poll(5, TimeUnit.SECONDS);
    assertNotNull(seen);
    assertEquals(BoardPorts.rootDirectory(KEY), seen.root());
    assertTrue(Rights.ALL == seen.root().rights(), "the root handed out is the owner capability");
    assertEquals(dir.resolve("data/programs/probe"), seen.storage());
    assertEquals("kept", Files.readString(seen.storage().resolve("state")));
    assertTrue(seen.authority());
    assertEquals(BoardPorts.getPort(KEY, "dir", "pool"), seen.dirPort());
    assertEquals(ProcessState.EXITED, p.await(5_000));
  }

  @Test
  void anUnknownBuiltinIsAClearError() {
    boot(ProgramStore.NONE);
    ProgramLoader.ProgramException e =
        assertThrows(ProgramLoader.ProgramException.class, () -> board.startService("nope", List.of()));
    assertTrue(e.getMessage().contains("no builtin program nope"), e.getMessage());
    assertTrue(e.getMessage().contains("probe"), "names what the board has: " + e.getMessage());
  }

  @Test
  void aJarFetchedByCapabilityHasNoAuthorityAndIsCached() throws Exception {
    byte[] jar = Files.readAllBytes(TestJars.jar(dir, "hello", Hello.class));
    Capability file = new Capability(new Port(0x1234), 7, Rights.READ, 99);
    AtomicInteger fetches = new AtomicInteger();
    boot((rpc, replicas, max) -> {
      assertEquals(List.of(file), replicas);
      fetches.incrementAndGet();
      return jar;
    });
    for (int i = 0; i < 2; i++) {
      KernelProcess p = board.processServer().exec(CapabilityText.format(file), List.of("x"), Map.of(), null);
      assertEquals(ProcessState.EXITED, p.await(5_000));
      String out = new String(p.stdoutLog().read(0, 1 << 16).bytes(), StandardCharsets.UTF_8);
      assertTrue(out.startsWith("hello from b1 x"), out);
    }
    assertEquals(1, fetches.get(), "the second exec runs the cached jar");
  }

  @Test
  void aFailedFetchIsAClearError() {
    boot(ProgramStore.NONE);
    String source = CapabilityText.format(new Capability(new Port(0x1234), 7, Rights.READ, 99));
    ProgramLoader.ProgramException e = assertThrows(ProgramLoader.ProgramException.class,
        () -> board.processServer().exec(source, List.of(), Map.of(), null));
    assertTrue(e.getMessage().contains("cannot fetch"), e.getMessage());
  }

  @Test
  void groupsAProgramCreatesAreClosedWithIt() throws Exception {
    boot(ProgramStore.NONE);
    KernelProcess p = board.startService("probe", List.of("group"));
    Long seq = DELIVERED.poll(10, TimeUnit.SECONDS);
    assertNotNull(seq, "the program's own group delivered its message");
    assertEquals(ProcessState.EXITED, p.await(5_000));
    // A new member cannot join: the group died with the process that created it.
    assertThrows(IllegalStateException.class,
        () -> GroupMember.join(board.box(), 0x5EED, GroupConfig.defaults(), 500_000_000L).close(),
        "the group outlived its process");
  }
}
