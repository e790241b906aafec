package amoeba.servers.directory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replica's disk: a record torn by kill -9 is dropped, snapshots replace the log. */
class DirectoryStoreTest {
  @TempDir Path dir;

  @Test
  void aTornTailIsDroppedAndLaterRecordsFollowTheLastGoodOne() throws Exception {
    try (DirectoryStore s = new DirectoryStore(dir)) {
      assertNull(s.load().snapshot());
      s.append(new byte[] {1});
      s.append(new byte[] {2, 2});
    }
    // A kill -9 in the middle of a record: its length promises more than was written.
    Files.write(dir.resolve("log"), new byte[] {0, 0, 0, 9, 1, 2, 3}, StandardOpenOption.APPEND);
    try (DirectoryStore s = new DirectoryStore(dir)) {
      DirectoryStore.Loaded l = s.load();
      assertEquals(2, l.log().size());
      assertArrayEquals(new byte[] {2, 2}, l.log().get(1));
      s.append(new byte[] {3});
    }
    try (DirectoryStore s = new DirectoryStore(dir)) {
      assertEquals(3, s.load().log().size(), "the torn bytes were cut before the next record");
    }
  }

  @Test
  void aCorruptedRecordEndsTheLogAndASnapshotEmptiesIt() throws Exception {
    try (DirectoryStore s = new DirectoryStore(dir)) {
      s.load();
      s.append(new byte[] {1, 1, 1});
      s.append(new byte[] {2});
    }
    byte[] log = Files.readAllBytes(dir.resolve("log"));
    log[9] ^= 0x40; // a payload byte of the first record: its CRC fails
    Files.write(dir.resolve("log"), log);
    try (DirectoryStore s = new DirectoryStore(dir)) {
      assertEquals(0, s.load().log().size());
      s.append(new byte[] {7});
      s.snapshot(new byte[] {42});
    }
    try (DirectoryStore s = new DirectoryStore(dir)) {
      DirectoryStore.Loaded l = s.load();
      assertArrayEquals(new byte[] {42}, l.snapshot());
      assertEquals(0, l.log().size());
    }
  }
}
