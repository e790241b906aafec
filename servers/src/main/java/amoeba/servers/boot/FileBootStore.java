package amoeba.servers.boot;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The boot server's state ({@link State#encode}) in one file, replaced atomically (written to a
 * temporary file, forced to disk, then moved over the old one).
 */
public final class FileBootStore implements BootStore {
  private final Path file;

  public FileBootStore(Path file) {
    this.file = file;
  }

  @Override
  public synchronized State load() throws IOException {
    if (!Files.exists(file)) {
      return State.EMPTY;
    }
    if (Files.size(file) > State.MAX_BYTES) {
      throw new IOException(file + " is larger than " + State.MAX_BYTES + " bytes: not a boot server state");
    }
    return State.decode(Files.readAllBytes(file), file.toString());
  }

  @Override
  public synchronized void save(State state) throws IOException {
    byte[] bytes = state.encode();
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileOutputStream f = new FileOutputStream(tmp.toFile())) {
      f.write(bytes);
      f.getFD().sync(); // on disk before it replaces the old state
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
