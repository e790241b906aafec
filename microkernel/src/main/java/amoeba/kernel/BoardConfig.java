package amoeba.kernel;

import amoeba.flip.BoxConfig;
import amoeba.flip.net.Network;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.kernel.api.Program;
import amoeba.kernel.process.ProgramStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a board boots from. The pool key (in {@code box}) is the board's only root authority:
 * its servers' ports and owner capabilities are derived from it (see {@code BoardPorts}).
 *
 * @param name the board's name in the pool, e.g. "b1" (letters, digits, '.', '_', '-')
 * @param model "emulated" for a board JVM on a workstation, else the hardware model
 * @param box FLIP settings, pool id and pool key included
 * @param networks the networks the board's FLIP box attaches to (opened already; the kernel
 *     closes them with its box)
 * @param dataFolder where the board may keep files (nothing is locked in it: a crashed board
 *     restarts over it); null for none
 * @param rpc RPC timers and table bounds
 * @param serverThreads threads per kernel server (long-polls of output hold one each)
 * @param programs the board's builtin system programs and where it fetches program files
 */
public record BoardConfig(
    String name, String model, BoxConfig box, List<Network> networks, Path dataFolder, RpcConfig rpc,
    int serverThreads, Programs programs) {

  /**
   * The system programs a board can run ({@code builtin:NAME}: the servers, which the kernel does
   * not depend on) and the store it fetches {@code cap:} program files from.
   */
  public record Programs(Map<String, Supplier<? extends Program>> builtins, ProgramStore store) {
    public static final Programs NONE = new Programs(Map.of(), ProgramStore.NONE);

    public Programs {
      builtins = Map.copyOf(builtins);
      Objects.requireNonNull(store, "store");
    }
  }

  public BoardConfig {
    Objects.requireNonNull(name, "name");
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("a board name is 1..64 of [A-Za-z0-9._-]: " + name);
    }
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(box, "box");
    networks = List.copyOf(networks);
    if (networks.isEmpty()) {
      throw new IllegalArgumentException("a board needs at least one network");
    }
    Objects.requireNonNull(rpc, "rpc");
    if (serverThreads < 1) {
      throw new IllegalArgumentException("serverThreads >= 1: " + serverThreads);
    }
    Objects.requireNonNull(programs, "programs");
  }

  /** An emulated board with default RPC settings and 8 threads per server. */
  public static BoardConfig emulated(String name, BoxConfig box, List<Network> networks) {
    return new BoardConfig(name, "emulated", box, networks, null, RpcConfig.defaults(), 8, Programs.NONE);
  }

  public BoardConfig withDataFolder(Path folder) {
    return new BoardConfig(name, model, box, networks, folder, rpc, serverThreads, programs);
  }

  public BoardConfig withPrograms(Programs p) {
    return new BoardConfig(name, model, box, networks, dataFolder, rpc, serverThreads, p);
  }
}
