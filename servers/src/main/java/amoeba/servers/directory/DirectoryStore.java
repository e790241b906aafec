package amoeba.servers.directory;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A replica's state on disk: {@code snapshot} (the whole state, replaced atomically by rename)
 * and {@code log} (the updates applied since, one record each). A replica killed with -9 loses
 * nothing it wrote (the OS keeps written pages); a record torn by the kill fails its length or
 * CRC and is dropped at load, with everything after it. Snapshots are fsynced; log records are
 * not (a power loss may drop the newest updates of this replica: the others hold them).
 *
 * <pre>
 * log record: u32 length, u32 CRC32 of the bytes, bytes (an update as ordered by the group)
 * </pre>
 */
final class DirectoryStore implements AutoCloseable {
  /** Log records after which a snapshot is taken and the log restarted. */
  static final int SNAPSHOT_EVERY = 1000;
  private static final int MAX_RECORD = 64 * 1024 * 1024;

  /** What a start finds: the newest snapshot (null: none) and the log records after it. */
  record Loaded(byte[] snapshot, List<byte[]> log) {}

  private final Path snapshot;
  private final Path log;
  private RandomAccessFile out; // java.io: the layering keeps java.nio.channels in flip
  private int records;

  DirectoryStore(Path folder) throws IOException {
    Files.createDirectories(folder);
    this.snapshot = folder.resolve("snapshot");
    this.log = folder.resolve("log");
  }

  Loaded load() throws IOException {
    byte[] snap = Files.exists(snapshot) ? Files.readAllBytes(snapshot) : null;
    List<byte[]> entries = new ArrayList<>();
    long good = 0;
    if (Files.exists(log)) {
      byte[] all = Files.readAllBytes(log);
      ByteBuffer b = ByteBuffer.wrap(all);
      while (b.remaining() >= 8) {
        int length = b.getInt();
        int crc = b.getInt();
        if (length < 0 || length > MAX_RECORD || length > b.remaining()) {
          break; // torn tail
        }
        byte[] e = new byte[length];
        b.get(e);
        if (crc(e) != crc) {
          break;
        }
        entries.add(e);
        good = b.position();
      }
    }
    out = new RandomAccessFile(log.toFile(), "rw");
    out.setLength(good); // drop a torn tail so new records follow the last good one
    out.seek(good);
    records = entries.size();
    return new Loaded(snap, entries);
  }

  /** Appends one applied update. @return whether a snapshot is due */
  boolean append(byte[] update) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8 + update.length);
    b.putInt(update.length).putInt(crc(update)).put(update);
    out.write(b.array());
    return ++records >= SNAPSHOT_EVERY;
  }

  /** Replaces the snapshot with {@code state} (fsynced, atomic) and empties the log. */
  void snapshot(byte[] state) throws IOException {
    Path tmp = snapshot.resolveSibling("snapshot.tmp");
    try (FileOutputStream c = new FileOutputStream(tmp.toFile())) {
      c.write(state);
      c.getFD().sync();
    }
    Files.move(tmp, snapshot, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    out.setLength(0);
    out.seek(0);
    records = 0;
  }

  private static int crc(byte[] bytes) {
    CRC32 c = new CRC32();
    c.update(bytes);
    return (int) c.getValue();
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.close();
    }
  }
}
