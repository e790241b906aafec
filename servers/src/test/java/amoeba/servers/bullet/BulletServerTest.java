package amoeba.servers.bullet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import amoeba.ipc.rpc.RpcMessage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Bullet server's commands, called through {@link BulletServer#dispatch} (no network): the
 * protocol, its checks, the bounds, aging and what survives a reopen of the folder.
 */
class BulletServerTest {
  static final long SECOND = 1_000_000_000L;

  @TempDir Path dir;
  final Port getPort = new Port(0x0123_4567_89ABL);
  final AtomicLong clock = new AtomicLong();
  BulletServer.Config config = new BulletServer.Config(4, 10 * SECOND, 3, 1L << 40);

  BulletServer open() throws IOException {
    return new BulletServer(dir, getPort, config, new SecureRandom(), clock::get);
  }

  static RpcMessage call(BulletServer s, Capability cap, int command, ByteBuffer data) {
    RpcMessage rq = new RpcMessage().capability(cap).command(command).data(data);
    RpcMessage rp = new RpcMessage();
    s.dispatch(rq, rp);
    return rp;
  }

  static RpcMessage call(BulletServer s, Capability cap, BulletCommand c, ByteBuffer data) {
    return call(s, cap, c.code(), data);
  }

  static ByteBuffer create(int flags, byte[] bytes) {
    return ByteBuffer.allocate(1 + bytes.length).put((byte) flags).put(bytes).flip();
  }

  static ByteBuffer write(long offset, byte[] bytes) {
    return ByteBuffer.allocate(8 + bytes.length).putLong(offset).put(bytes).flip();
  }

  static ByteBuffer commit(long size, int flags) {
    return ByteBuffer.allocate(9).putLong(size).put((byte) flags).flip();
  }

  static ByteBuffer read(long offset, int max) {
    return ByteBuffer.allocate(12).putLong(offset).putInt(max).flip();
  }

  static String reason(RpcMessage rp) {
    byte[] b = new byte[rp.dataLength()];
    rp.data().get(rp.data().position(), b);
    return new String(b, StandardCharsets.UTF_8);
  }

  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** The whole file by READs of {@code chunk} bytes. */
  static byte[] readAll(BulletServer s, Capability file, int chunk) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (long at = 0; ; ) {
      RpcMessage rp = call(s, file, BulletCommand.READ, read(at, chunk));
      assertEquals(0, rp.status(), () -> reason(rp));
      ByteBuffer d = rp.data();
      long size = d.getLong(d.position());
      byte[] got = new byte[d.remaining() - 8];
      d.get(d.position() + 8, got);
      out.writeBytes(got);
      at += got.length;
      if (at >= size) {
        return out.toByteArray();
      }
    }
  }

  Capability committedFile(BulletServer s, byte[] content) {
    RpcMessage rp = call(s, s.owner(), BulletCommand.CREATE, create(BulletCommand.FLAG_COMMIT | BulletCommand.FLAG_SAFE, content));
    assertEquals(0, rp.status(), () -> reason(rp));
    return rp.capability();
  }

  Capability uncommittedFile(BulletServer s) {
    RpcMessage rp = call(s, s.owner(), BulletCommand.CREATE, create(0, new byte[0]));
    assertEquals(0, rp.status(), () -> reason(rp));
    return rp.capability();
  }

  @Test
  void chunksWrittenInAnyOrderWithOverlapsCommitToTheSameBytes() throws IOException {
    BulletServer s = open();
    byte[] content = bytes(10_000, 1);
    Capability f = uncommittedFile(s);
    // 3 chunks in reverse order, the middle one overlapping both neighbours
    int[][] pieces = {{7000, 10_000}, {2000, 7500}, {0, 3000}};
    for (int[] p : pieces) {
      byte[] piece = java.util.Arrays.copyOfRange(content, p[0], p[1]);
      assertEquals(0, call(s, f, BulletCommand.WRITE, write(p[0], piece)).status());
    }
    RpcMessage read = call(s, f, BulletCommand.READ, read(0, 10));
    assertEquals(ErrorCode.BADPARAM.code(), read.status(), "an uncommitted file cannot be read");
    assertTrue(reason(read).contains("not committed"), reason(read));
    RpcMessage c = call(s, f, BulletCommand.COMMIT, commit(content.length, BulletCommand.FLAG_SAFE));
    assertEquals(0, c.status(), () -> reason(c));
    assertEquals(f, c.capability(), "commit keeps the capability");
    assertArrayEquals(content, readAll(s, f, 4096));
    RpcMessage size = call(s, f, BulletCommand.SIZE, ByteBuffer.allocate(0));
    assertEquals(content.length, size.data().getLong(size.data().position()));
    RpcMessage again = call(s, f, BulletCommand.WRITE, write(0, new byte[1]));
    assertEquals(ErrorCode.BADPARAM.code(), again.status(), "committed files are immutable");
    assertTrue(reason(again).contains("immutable"), reason(again));
    assertEquals(0, s.uncommittedFiles());
  }

  @Test
  void aCommitWithAHoleOrBytesPastItsSizeIsRefused() throws IOException {
    BulletServer s = open();
    Capability f = uncommittedFile(s);
    call(s, f, BulletCommand.WRITE, write(0, new byte[100]));
    call(s, f, BulletCommand.WRITE, write(200, new byte[100]));
    RpcMessage hole = call(s, f, BulletCommand.COMMIT, commit(300, 0));
    assertEquals(ErrorCode.BADPARAM.code(), hole.status());
    assertTrue(reason(hole).contains("not all written"), reason(hole));
    call(s, f, BulletCommand.WRITE, write(100, new byte[100]));
    assertEquals(ErrorCode.BADPARAM.code(), call(s, f, BulletCommand.COMMIT, commit(250, 0)).status(),
        "bytes written beyond the size");
    assertEquals(0, call(s, f, BulletCommand.COMMIT, commit(300, 0)).status());
  }

  @Test
  void readsAtAndPastTheEndAndTheEmptyFile() throws IOException {
    BulletServer s = open();
    Capability empty = committedFile(s, new byte[0]);
    RpcMessage rp = call(s, empty, BulletCommand.READ, read(0, 100));
    assertEquals(0, rp.status());
    assertEquals(8, rp.dataLength(), "size only");
    assertEquals(0, rp.data().getLong(rp.data().position()));
    Capability f = committedFile(s, bytes(10, 2));
    RpcMessage past = call(s, f, BulletCommand.READ, read(50, 100));
    assertEquals(0, past.status());
    assertEquals(8, past.dataLength(), "nothing past the end");
    RpcMessage tail = call(s, f, BulletCommand.READ, read(7, 100));
    assertEquals(8 + 3, tail.dataLength());
  }

  @Test
  void malformedRequestsGetBadparamWithAReason() throws IOException {
    BulletServer s = open();
    Capability f = uncommittedFile(s);
    Capability done = committedFile(s, bytes(10, 3));
    record Case(String what, Capability cap, int command, ByteBuffer data) {}
    List<Case> cases = List.of(
        new Case("create without flags", s.owner(), BulletCommand.CREATE.code(), ByteBuffer.allocate(0)),
        new Case("create with unknown flags", s.owner(), BulletCommand.CREATE.code(), create(0x80, new byte[0])),
        new Case("create on a file", done, BulletCommand.CREATE.code(), create(0, new byte[0])),
        new Case("write without offset", f, BulletCommand.WRITE.code(), ByteBuffer.allocate(7)),
        new Case("write at a negative offset", f, BulletCommand.WRITE.code(), write(-1, new byte[1])),
        new Case("write past the largest file", f, BulletCommand.WRITE.code(), write(Long.MAX_VALUE - 1, new byte[4])),
        new Case("write on the server", s.owner(), BulletCommand.WRITE.code(), write(0, new byte[1])),
        new Case("commit of 8 bytes", f, BulletCommand.COMMIT.code(), ByteBuffer.allocate(8)),
        new Case("commit with unknown flags", f, BulletCommand.COMMIT.code(), commit(0, 0x40)),
        new Case("read of 11 bytes", done, BulletCommand.READ.code(), ByteBuffer.allocate(11)),
        new Case("read beyond the chunk limit", done, BulletCommand.READ.code(), read(0, BulletCommand.MAX_CHUNK_BYTES + 1)),
        new Case("read at a negative offset", done, BulletCommand.READ.code(), read(-5, 10)),
        new Case("read of the server", s.owner(), BulletCommand.READ.code(), read(0, 10)),
        new Case("size of the server", s.owner(), BulletCommand.SIZE.code(), ByteBuffer.allocate(0)),
        new Case("age of a file", done, StdCommand.STD_AGE.code(), ByteBuffer.allocate(0)));
    for (Case c : cases) {
      RpcMessage rp = call(s, c.cap(), c.command(), c.data());
      assertEquals(ErrorCode.BADPARAM.code(), rp.status(), c.what());
      assertFalse(reason(rp).isBlank(), c.what() + " has a reason");
    }
    assertEquals(ErrorCode.COMMAND_UNKNOWN.code(), call(s, done, 2099, ByteBuffer.allocate(0)).status());
    assertArrayEquals(bytes(10, 3), readAll(s, done, 4), "nothing changed the file");
  }

  /** Every command, with the rights it needs and a well-formed request for it. */
  record Op(String name, int command, int rights, boolean onServer, ByteBuffer data) {}

  static List<Op> ops() {
    return List.of(
        new Op("CREATE", BulletCommand.CREATE.code(), Rights.CREATE, true, create(0, new byte[0])),
        new Op("WRITE", BulletCommand.WRITE.code(), Rights.MODIFY, false, write(0, new byte[1])),
        new Op("COMMIT", BulletCommand.COMMIT.code(), Rights.MODIFY, false, commit(1, 0)),
        new Op("READ", BulletCommand.READ.code(), Rights.READ, false, read(0, 1)),
        new Op("SIZE", BulletCommand.SIZE.code(), Rights.READ, false, ByteBuffer.allocate(0)),
        new Op("STD_DESTROY", StdCommand.STD_DESTROY.code(), Rights.DELETE, false, ByteBuffer.allocate(0)),
        new Op("STD_REVOKE", StdCommand.STD_REVOKE.code(), Rights.ALL, false, ByteBuffer.allocate(0)),
        new Op("STD_AGE", StdCommand.STD_AGE.code(), Rights.ADMIN, true, ByteBuffer.allocate(0)),
        new Op("STD_TOUCH", StdCommand.STD_TOUCH.code(), Rights.NONE, false, ByteBuffer.allocate(0)),
        new Op("STD_INFO", StdCommand.STD_INFO.code(), Rights.NONE, false, ByteBuffer.allocate(0)));
  }

  @Test
  void forgedRevokedAndUnderPrivilegedCapabilitiesAreRefusedOnEveryCommand() throws Exception {
    BulletServer s = open();
    CheckScheme scheme = new CheckScheme(new SecureRandom());
    Capability file = committedFile(s, bytes(5, 4));
    Capability revoked = committedFile(s, bytes(5, 5));
    RpcMessage rv = call(s, revoked, StdCommand.STD_REVOKE.code(), ByteBuffer.allocate(0));
    assertEquals(0, rv.status());
    Capability renewed = rv.capability();
    for (Op op : ops()) {
      Capability target = op.onServer() ? s.owner() : file;
      Capability forged = new Capability(target.port(), target.object(), target.rights(), target.check() ^ 0x5A5A);
      long before = s.handled();
      assertEquals(ErrorCode.CAPBAD.code(), call(s, forged, op.command(), op.data().duplicate()).status(), op.name() + " forged");
      Capability otherServer = new Capability(new Port(0x42), target.object(), target.rights(), target.check());
      assertEquals(ErrorCode.CAPBAD.code(), call(s, otherServer, op.command(), op.data().duplicate()).status(), op.name() + " other port");
      if (!op.onServer()) {
        assertEquals(ErrorCode.CAPBAD.code(), call(s, revoked, op.command(), op.data().duplicate()).status(), op.name() + " revoked");
      }
      if (op.rights() != Rights.NONE) {
        // every right but the needed ones (for ALL: everything but one bit)
        int mask = op.rights() == Rights.ALL ? Rights.ALL & ~Rights.ADMIN : Rights.ALL & ~op.rights();
        Capability weak = scheme.restrict(target, mask);
        assertEquals(ErrorCode.DENIED.code(), call(s, weak, op.command(), op.data().duplicate()).status(), op.name() + " without rights");
      }
      assertEquals(before, s.handled(), op.name() + ": no refused request reached a handler");
    }
    assertArrayEquals(bytes(5, 4), readAll(s, file, 100), "the file is intact");
    assertArrayEquals(bytes(5, 5), readAll(s, renewed, 100), "the new owner capability works");
    Capability readOnly = scheme.restrict(file, Rights.READ);
    assertArrayEquals(bytes(5, 4), readAll(s, readOnly, 100), "a read-only capability reads");
    assertEquals(ErrorCode.DENIED.code(), call(s, s.owner(), StdCommand.STD_DESTROY.code(), ByteBuffer.allocate(0)).status(),
        "the server object is not destroyable");
  }

  @Test
  void uncommittedFilesAreBoundedAndAbandonedOnesDiscardedAfterTheTimeout() throws IOException {
    BulletServer s = open();
    List<Capability> pending = new ArrayList<>();
    for (int i = 0; i < config.maxUncommitted(); i++) {
      pending.add(uncommittedFile(s));
      clock.addAndGet(SECOND);
    }
    RpcMessage full = call(s, s.owner(), BulletCommand.CREATE, create(0, new byte[0]));
    assertEquals(ErrorCode.NOSPACE.code(), full.status());
    assertTrue(reason(full).contains("being written"), reason(full));
    // the last one keeps writing; the others are idle past the timeout
    clock.addAndGet(7 * SECOND);
    assertEquals(0, call(s, pending.get(3), BulletCommand.WRITE, write(0, new byte[3])).status());
    clock.addAndGet(4 * SECOND);
    assertEquals(3, s.sweep());
    assertEquals(ErrorCode.NO_SUCH_OBJECT.code(), call(s, pending.get(0), BulletCommand.WRITE, write(0, new byte[1])).status());
    assertEquals(0, call(s, pending.get(3), BulletCommand.COMMIT, commit(3, 0)).status());
    try (Stream<Path> left = Files.list(dir.resolve("tmp"))) {
      assertEquals(0, left.count(), "discarded temp files are deleted");
    }
    uncommittedFile(s); // room again
  }

  @Test
  void agingDestroysFilesUntouchedForTheLifetime() throws IOException {
    BulletServer s = open(); // lifetime 3
    Capability kept = committedFile(s, bytes(10, 6));
    Capability read = committedFile(s, bytes(10, 7));
    Capability forgotten = committedFile(s, bytes(10, 8));
    for (int pass = 1; pass <= 3; pass++) {
      assertEquals(0, call(s, kept, StdCommand.STD_TOUCH.code(), ByteBuffer.allocate(0)).status());
      call(s, read, BulletCommand.SIZE, ByteBuffer.allocate(0));
      assertEquals(0, call(s, s.owner(), StdCommand.STD_AGE.code(), ByteBuffer.allocate(0)).status());
      int expected = pass < 3 ? 0 : ErrorCode.NO_SUCH_OBJECT.code();
      // STD_INFO does not touch (SIZE or READ would)
      assertEquals(expected, call(s, forgotten, StdCommand.STD_INFO.code(), ByteBuffer.allocate(0)).status(),
          "after pass " + pass);
    }
    assertArrayEquals(bytes(10, 6), readAll(s, kept, 100));
    assertArrayEquals(bytes(10, 7), readAll(s, read, 100));
    assertEquals(2, s.committedFiles());
    try (Stream<Path> files = Files.list(dir.resolve("files"))) {
      assertEquals(2, files.count(), "the aged file is gone from disk");
    }
  }

  @Test
  void aReopenedStoreKeepsCommittedFilesAndCapabilitiesAndShowsNoHalfFile() throws IOException {
    BulletServer s = open();
    byte[] a = bytes(70_000, 9);
    byte[] b = bytes(3, 10);
    Capability fa = committedFile(s, a);
    Capability fb = committedFile(s, b);
    Capability revoked = committedFile(s, bytes(4, 11));
    Capability renewed = call(s, revoked, StdCommand.STD_REVOKE.code(), ByteBuffer.allocate(0)).capability();
    Capability destroyed = committedFile(s, bytes(4, 12));
    assertEquals(0, call(s, destroyed, StdCommand.STD_DESTROY.code(), ByteBuffer.allocate(0)).status());
    // a file being written when the board died (half written, never committed)
    Capability half = uncommittedFile(s);
    call(s, half, BulletCommand.WRITE, write(0, bytes(5000, 13)));
    // a torn commit: the temp file complete and fsynced, the board killed before the rename
    Files.write(dir.resolve("tmp").resolve("77.part"), bytes(1000, 14));
    // and something that is not a file of ours
    Files.writeString(dir.resolve("files").resolve("notes.txt"), "not a bullet file");
    // the board is killed here: no close, the next run opens the same folder
    BulletServer again = open();
    assertArrayEquals(a, readAll(again, fa, 16_384), "committed, intact, same capability");
    assertArrayEquals(b, readAll(again, fb, 16_384));
    assertArrayEquals(bytes(4, 11), readAll(again, renewed, 16), "the revoke persisted");
    assertEquals(ErrorCode.CAPBAD.code(), call(again, revoked, BulletCommand.SIZE, ByteBuffer.allocate(0)).status());
    assertEquals(ErrorCode.NO_SUCH_OBJECT.code(), call(again, destroyed, BulletCommand.SIZE, ByteBuffer.allocate(0)).status());
    assertEquals(ErrorCode.NO_SUCH_OBJECT.code(), call(again, half, BulletCommand.WRITE, write(0, new byte[1])).status(),
        "an uncommitted file does not survive a restart");
    assertEquals(3, again.committedFiles(), "no half file shows up");
    assertEquals(0, again.uncommittedFiles());
    try (Stream<Path> tmp = Files.list(dir.resolve("tmp"))) {
      assertEquals(0, tmp.count(), "leftover temp files are deleted at start");
    }
    // new files get numbers that do not collide with the persisted ones
    Capability fresh = committedFile(again, bytes(8, 15));
    assertTrue(Stream.of(fa, fb, renewed).noneMatch(c -> c.object() == fresh.object()));
    assertArrayEquals(a, readAll(again, fa, 1 << 20));
  }
}
