package amoeba.servers.bullet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.StdCommand;
import amoeba.ipc.rpc.RpcMessage;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Arbitrary requests into a Bullet server's dispatch (what its RPC server runs for each
 * request): registered or any commands, with the server's owner capability, a file's, one it
 * just created, a restriction of one, or any; data shaped like each command's or raw. Every
 * reply is OK or a registered error, and a committed file made beforehand still reads back
 * intact afterwards. Files an input creates are destroyed at its end (disk stays bounded).
 * Under plain {@code mvn verify} Jazzer runs the committed inputs in {@code
 * BulletRequestFuzzTestInputs/<method>/}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class BulletRequestFuzzTest {
  static final Port GET_PORT = new Port(0x0B01_1E7F_0221L);
  static final byte[] KEPT = "a committed file that every input must leave intact".getBytes(
      java.nio.charset.StandardCharsets.UTF_8);
  static final AtomicLong CLOCK = new AtomicLong();
  static final BulletServer SERVER;
  static final Capability FILE;
  static final int[] COMMANDS = {BulletCommand.CREATE.code(), BulletCommand.WRITE.code(),
      BulletCommand.COMMIT.code(), BulletCommand.READ.code(), BulletCommand.SIZE.code(),
      StdCommand.STD_DESTROY.code(), StdCommand.STD_REVOKE.code(), StdCommand.STD_AGE.code(),
      StdCommand.STD_INFO.code(), StdCommand.STD_TOUCH.code(), StdCommand.STD_RESTRICT.code()};

  static {
    try {
      Path folder = Path.of("target", "bullet-fuzz");
      if (Files.exists(folder)) {
        try (var walk = Files.walk(folder)) {
          for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      // Files up to 1 MiB, 8 uncommitted at once, a long lifetime: STD_AGE never collects FILE.
      SERVER = new BulletServer(Files.createDirectories(folder), GET_PORT,
          new BulletServer.Config(8, 1_000_000_000L, 1_000_000, 1 << 20),
          new SplittableRandom(11), CLOCK::get);
      RpcMessage rp = call(SERVER.owner(), BulletCommand.CREATE.code(), ByteBuffer.allocate(1 + KEPT.length)
          .put((byte) (BulletCommand.FLAG_COMMIT | BulletCommand.FLAG_SAFE)).put(KEPT).flip());
      if (rp.status() != 0) {
        throw new IllegalStateException("cannot create the kept file: " + rp.status());
      }
      FILE = rp.capability();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static RpcMessage call(Capability cap, int command, ByteBuffer data) {
    RpcMessage rq = new RpcMessage().capability(cap).command(command).data(data);
    RpcMessage rp = new RpcMessage();
    SERVER.dispatch(rq, rp);
    return rp;
  }

  @FuzzTest(maxDuration = "2m")
  void dispatch(FuzzedDataProvider data) throws Exception {
    CheckScheme scheme = new CheckScheme(new SplittableRandom(2));
    List<Capability> created = new ArrayList<>();
    int requests = data.consumeInt(1, 8);
    for (int r = 0; r < requests && data.remainingBytes() > 0; r++) {
      int command = data.consumeBoolean() ? COMMANDS[data.consumeInt(0, COMMANDS.length - 1)]
          : data.consumeInt(Short.MIN_VALUE, Short.MAX_VALUE); // commands are 16 bits signed
      Capability cap = switch (data.consumeInt(0, 4)) {
        case 0 -> SERVER.owner();
        case 1 -> FILE;
        case 2 -> created.isEmpty() ? SERVER.owner() : created.get(data.consumeInt(0, created.size() - 1));
        case 3 -> scheme.restrict(data.consumeBoolean() ? SERVER.owner() : FILE, data.consumeInt(0, 0xFF));
        default -> new Capability(GET_PORT.putPort(), data.consumeInt(0, 4), data.consumeInt(0, 0xFF),
            data.consumeLong() & Capability.CHECK_MASK);
      };
      if (cap.object() == FILE.object() && (command == StdCommand.STD_DESTROY.code()
          || command == StdCommand.STD_REVOKE.code())) {
        continue; // FILE's owner may destroy it; that is no fault (BulletServerTest covers it)
      }
      ByteBuffer request = data.consumeBoolean() ? shaped(data, command)
          : ByteBuffer.wrap(data.consumeBytes(data.consumeInt(0, 300)));
      CLOCK.addAndGet(data.consumeInt(0, 2_000_000_000)); // uncommitted files may time out
      RpcMessage rp = call(cap, command, request);
      assertTrue(rp.status() == 0 || ErrorCode.fromCode(rp.status()).isPresent(), "status " + rp.status());
      if (rp.status() == 0 && command == BulletCommand.CREATE.code()) {
        created.add(rp.capability());
      } else if (rp.status() == 0 && command == StdCommand.STD_REVOKE.code() && created.remove(cap)) {
        created.add(rp.capability()); // the old one no longer destroys it
      }
    }
    SERVER.sweep();
    for (Capability c : created) {
      call(c, StdCommand.STD_DESTROY.code(), ByteBuffer.allocate(0)); // committed or not
    }
    RpcMessage size = call(FILE, BulletCommand.READ.code(), ByteBuffer.allocate(12).putLong(0).putInt(4096).flip());
    assertEquals(0, size.status(), "the kept file still reads");
    ByteBuffer d = size.data();
    assertEquals(KEPT.length, d.getLong(d.position()));
    byte[] got = new byte[d.remaining() - 8];
    d.get(d.position() + 8, got);
    assertArrayEquals(KEPT, got, "the kept file is intact");
  }

  /** Data shaped like {@code command}'s: flags + bytes, offset + bytes, size + flags, offset + max. */
  static ByteBuffer shaped(FuzzedDataProvider data, int command) {
    byte[] bytes = data.consumeBytes(data.consumeInt(0, 200));
    ByteBuffer b = ByteBuffer.allocate(13 + bytes.length);
    if (command == BulletCommand.CREATE.code()) {
      b.put((byte) data.consumeInt(0, 7)).put(bytes);
    } else if (command == BulletCommand.WRITE.code()) {
      b.putLong(data.consumeBoolean() ? data.consumeLong(0, 1 << 21) : data.consumeLong()).put(bytes);
    } else if (command == BulletCommand.COMMIT.code()) {
      b.putLong(data.consumeBoolean() ? data.consumeLong(0, 1 << 21) : data.consumeLong())
          .put((byte) data.consumeInt(0, 7));
    } else {
      b.putLong(data.consumeLong(-1, 1 << 21)).putInt(data.consumeInt());
    }
    return b.flip();
  }
}
