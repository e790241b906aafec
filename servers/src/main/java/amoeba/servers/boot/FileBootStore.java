package amoeba.servers.boot;

import amoeba.capabilities.CapabilityFormatException;
import amoeba.capabilities.CapabilityText;
import amoeba.kernel.server.Wire;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The boot server's state in one file, replaced atomically (written to a temporary file,
 * forced to disk, then moved over the old one).
 *
 * <pre>
 * file: u32 magic 0x414D4253 ("AMBS"), u16 version 1, u16 n, ServiceSpec*,
 *       u16 n, (str service, str board, u32 pid, str capability text)*
 * </pre>
 */
public final class FileBootStore implements BootStore {
  private static final int MAGIC = 0x414D4253;
  private static final int VERSION = 1;
  /** Largest state file read back (1 MiB: 64 services of bounded size fit many times). */
  private static final long MAX_BYTES = 1 << 20;

  private final Path file;

  public FileBootStore(Path file) {
    this.file = file;
  }

  @Override
  public synchronized State load() throws IOException {
    if (!Files.exists(file)) {
      return State.EMPTY;
    }
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException(file + " is larger than " + MAX_BYTES + " bytes: not a boot server state");
    }
    try {
      Wire.In in = new Wire.In(ByteBuffer.wrap(Files.readAllBytes(file)));
      if (in.i32() != MAGIC || in.u16() != VERSION) {
        throw new IOException(file + " is not a boot server state (version " + VERSION + ")");
      }
      List<ServiceSpec> services = new ArrayList<>();
      for (int n = in.u16(); n > 0; n--) {
        services.add(ServiceSpec.read(in));
      }
      List<Remembered> instances = new ArrayList<>();
      for (int n = in.u16(); n > 0; n--) {
        instances.add(new Remembered(in.str(), in.str(), in.i32(), CapabilityText.parse(in.str())));
      }
      return new State(services, instances);
    } catch (Wire.Malformed | CapabilityFormatException e) {
      throw new IOException(file + " is damaged: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void save(State state) throws IOException {
    Wire.Out out = new Wire.Out().i32(MAGIC).u16(VERSION).u16(state.services().size());
    state.services().forEach(s -> s.write(out));
    out.u16(state.instances().size());
    for (Remembered r : state.instances()) {
      out.str(r.service()).str(r.board()).i32(r.pid()).str(CapabilityText.format(r.capability()));
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileOutputStream f = new FileOutputStream(tmp.toFile())) {
      ByteBuffer b = out.buffer();
      f.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
      f.getFD().sync(); // on disk before it replaces the old state
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
