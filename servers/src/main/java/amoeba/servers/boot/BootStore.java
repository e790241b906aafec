package amoeba.servers.boot;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityFormatException;
import amoeba.capabilities.CapabilityText;
import amoeba.kernel.server.Wire;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the boot server keeps its configuration and the instances it started, so a restarted
 * boot server finds its services and adopts the instances still running. Today a file in the
 * program's storage ({@link FileBootStore}), or a Bullet file named in the directory ({@link
 * DirectoryBootStore}); both hold the same bytes ({@link State#encode}).
 */
public interface BootStore {
  /** An instance as remembered: enough to poll it (its capability) and to say where it is. */
  record Remembered(String service, String board, int pid, Capability capability) {}

  /**
   * What is saved: every service and every instance believed alive. Encoded as
   *
   * <pre>
   * u32 magic 0x414D4253 ("AMBS"), u16 version 1, u16 n, ServiceSpec*,
   * u16 n, (str service, str board, u32 pid, str capability text)*
   * </pre>
   */
  record State(List<ServiceSpec> services, List<Remembered> instances) {
    public static final State EMPTY = new State(List.of(), List.of());
    private static final int MAGIC = 0x414D4253;
    private static final int VERSION = 1;
    /** Largest state read back (1 MiB: 256 services of bounded size fit many times). */
    public static final int MAX_BYTES = 1 << 20;

    public State {
      services = List.copyOf(services);
      instances = List.copyOf(instances);
    }

    public byte[] encode() {
      Wire.Out out = new Wire.Out().i32(MAGIC).u16(VERSION).u16(services.size());
      services.forEach(s -> s.write(out));
      out.u16(instances.size());
      for (Remembered r : instances) {
        out.str(r.service()).str(r.board()).i32(r.pid()).str(CapabilityText.format(r.capability()));
      }
      return out.toByteArray();
    }

    /**
     * The state {@link #encode} wrote.
     *
     * @param where names the bytes' origin in the error message
     * @throws IOException the bytes are too many, not a state of this version, or damaged
     */
    public static State decode(byte[] bytes, String where) throws IOException {
      if (bytes.length > MAX_BYTES) {
        throw new IOException(where + " is larger than " + MAX_BYTES + " bytes: not a boot server state");
      }
      try {
        Wire.In in = new Wire.In(ByteBuffer.wrap(bytes));
        if (in.i32() != MAGIC || in.u16() != VERSION) {
          throw new IOException(where + " is not a boot server state (version " + VERSION + ")");
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
        throw new IOException(where + " is damaged: " + e.getMessage(), e);
      }
    }
  }

  /** The last saved state, or {@link State#EMPTY} when nothing was saved yet. */
  State load() throws IOException;

  /** Replaces the saved state (atomically: a crash leaves the old or the new one). */
  void save(State state) throws IOException;

  /** A store in memory (tests; a board without a data folder). */
  static BootStore inMemory() {
    return new BootStore() {
      private State state = State.EMPTY;

      @Override
      public synchronized State load() {
        return state;
      }

      @Override
      public synchronized void save(State s) {
        state = s;
      }
    };
  }
}
