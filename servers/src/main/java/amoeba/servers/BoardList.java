package amoeba.servers;

import amoeba.ipc.rpc.RpcException;
import java.util.List;

/**
 * The boards of the pool, as a server or the CLI knows them: from the directory (the names
 * under /pool) or, where there is none, a fixed list. Each board's kernel servers (and a board's
 * Bullet server) are then reached at ports derived from the pool key and the board's name.
 */
@FunctionalInterface
public interface BoardList {
  List<String> boards() throws RpcException;

  static BoardList of(List<String> boards) {
    List<String> copy = List.copyOf(boards);
    return () -> copy;
  }
}
