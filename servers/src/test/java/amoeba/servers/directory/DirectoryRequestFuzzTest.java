package amoeba.servers.directory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.StdCommand;
import amoeba.kernel.server.Wire;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Arbitrary requests into the directory's state machine (what every replica runs for each
 * client request, after the server table let it in) and arbitrary bytes into its snapshot
 * decoder (state transfer from a peer, the snapshot file). Under plain {@code mvn verify}
 * Jazzer runs the committed inputs in {@code DirectoryRequestFuzzTestInputs/<method>/}; with
 * {@code JAZZER_FUZZ=1} it fuzzes.
 */
class DirectoryRequestFuzzTest {
  static final Port GET_PORT = new Port(0x0D1E_C70E_F00DL);
  static final long ROOT_SECRET = 0x1234_5678_9ABCL;
  /** Names that exist in a fresh state, so fuzzed paths often walk somewhere. */
  static final List<String> NAMES = List.of("home", "bin", "dev", "home/a", "home/a/b", "bin/x", "", "/",
      "..", "a//b", "pool/services");
  static final CapabilitySet SOME = CapabilitySet.of(new Capability(new Port(0x77L), 1, 0xFF, 9L));
  static final int[] COMMANDS = commands();

  static int[] commands() {
    DirectoryCommand[] d = DirectoryCommand.values();
    int[] c = new int[d.length + 2];
    for (int i = 0; i < d.length; i++) {
      c[i] = d[i].code();
    }
    c[d.length] = StdCommand.STD_DESTROY.code();
    c[d.length + 1] = StdCommand.STD_REVOKE.code();
    return c;
  }

  static DirectoryState fresh() {
    return new DirectoryState(GET_PORT, ROOT_SECRET, new CheckScheme(new SplittableRandom(7)));
  }

  /**
   * Up to 8 fuzzed requests (a registered or any command; the root capability, a restriction of
   * it, or any; shaped or raw data) into two replicas' states: no exception, every status is OK
   * or a registered error with a reason, both replicas answer and end alike (a replicated state
   * machine must be deterministic), and the snapshot round-trips.
   */
  @FuzzTest(maxDuration = "2m")
  void requests(FuzzedDataProvider data) throws Exception {
    DirectoryState a = fresh();
    DirectoryState b = fresh();
    Capability root = CheckScheme.owner(GET_PORT.putPort(), 0, ROOT_SECRET);
    CheckScheme scheme = new CheckScheme(new SplittableRandom(1));
    int requests = data.consumeInt(1, 8);
    for (int r = 0; r < requests && data.remainingBytes() > 0; r++) {
      int command = data.consumeBoolean() ? COMMANDS[data.consumeInt(0, COMMANDS.length - 1)]
          : data.consumeInt(Short.MIN_VALUE, Short.MAX_VALUE); // commands are 16 bits signed
      Capability cap = switch (data.consumeInt(0, 2)) {
        case 0 -> root;
        case 1 -> scheme.restrict(root, data.consumeInt(0, 0xFF));
        default -> new Capability(GET_PORT.putPort(), data.consumeInt(0, 8), data.consumeInt(0, 0xFF),
            data.consumeLong() & Capability.CHECK_MASK);
      };
      long secret = data.consumeLong() & CheckScheme.SECRET_MASK;
      byte[] request = data.consumeBoolean() ? shaped(data) : data.consumeBytes(data.consumeInt(0, 300));
      boolean read = java.util.Arrays.stream(DirectoryCommand.values())
          .anyMatch(c -> c.code() == command && !c.update());
      DirectoryState.Result ra = read ? a.read(command, cap, ByteBuffer.wrap(request))
          : a.apply(command, cap, secret, ByteBuffer.wrap(request));
      DirectoryState.Result rb = read ? b.read(command, cap, ByteBuffer.wrap(request))
          : b.apply(command, cap, secret, ByteBuffer.wrap(request));
      assertTrue(ErrorCode.fromCode(ra.status()).isPresent(), "status " + ra.status());
      if (ra.status() != 0) {
        assertTrue(ra.data().length > 0, "an error carries its reason");
      }
      assertEquals(ra.status(), rb.status());
      assertArrayEquals(ra.data(), rb.data());
      assertEquals(ra.capability(), rb.capability());
    }
    byte[] snapshot = a.snapshot();
    assertArrayEquals(snapshot, b.snapshot(), "the replicas agree");
    assertArrayEquals(snapshot, DirectoryState.fromSnapshot(GET_PORT.putPort(), scheme, snapshot).snapshot());
  }

  /** Request data as fields the commands read: small numbers, names and paths, a capability set. */
  static byte[] shaped(FuzzedDataProvider data) {
    Wire.Out out = new Wire.Out();
    int fields = data.consumeInt(1, 8);
    for (int i = 0; i < fields; i++) {
      switch (data.consumeInt(0, 5)) {
        case 0 -> out.u8(data.consumeInt(0, 0xFF));
        case 1 -> out.i32(data.consumeInt(-1, 20));
        case 2 -> out.i64(data.consumeLong());
        case 3 -> out.str(NAMES.get(data.consumeInt(0, NAMES.size() - 1)));
        case 4 -> out.str(data.consumeString(40));
        default -> DirectoryState.capset(out, SOME);
      }
    }
    return out.toByteArray();
  }

  /** Arbitrary bytes as a snapshot: a state or a clear refusal, never another exception. */
  @FuzzTest(maxDuration = "2m")
  void snapshot(FuzzedDataProvider data) {
    boolean magic = data.consumeBoolean();
    byte[] raw = data.consumeRemainingAsBytes();
    ByteBuffer b = ByteBuffer.allocate(raw.length + (magic ? 4 : 0));
    if (magic) {
      b.put(fresh().snapshot(), 0, 4); // get past the magic number often
    }
    b.put(raw);
    try {
      DirectoryState s = DirectoryState.fromSnapshot(GET_PORT.putPort(), new CheckScheme(new SplittableRandom(3)), b.array());
      byte[] again = s.snapshot();
      assertArrayEquals(again, DirectoryState.fromSnapshot(GET_PORT.putPort(),
          new CheckScheme(new SplittableRandom(3)), again).snapshot(), "what decodes re-encodes alike");
    } catch (Wire.Malformed | CapabilityException refused) {
      assertTrue(refused.getMessage() != null && !refused.getMessage().isEmpty(), "a refusal says why");
    }
  }
}
