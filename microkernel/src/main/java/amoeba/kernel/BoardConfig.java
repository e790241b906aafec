package amoeba.kernel;

import amoeba.flip.BoxConfig;
import amoeba.flip.net.Network;
import amoeba.ipc.rpc.RpcConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

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
 */
public record BoardConfig(
    String name, String model, BoxConfig box, List<Network> networks, Path dataFolder, RpcConfig rpc,
    int serverThreads) {

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
  }

  /** An emulated board with default RPC settings and 8 threads per server. */
  public static BoardConfig emulated(String name, BoxConfig box, List<Network> networks) {
    return new BoardConfig(name, "emulated", box, networks, null, RpcConfig.defaults(), 8);
  }

  public BoardConfig withDataFolder(Path folder) {
    return new BoardConfig(name, model, box, networks, folder, rpc, serverThreads);
  }
}
