package amoeba.servers.bullet;

import amoeba.capabilities.Capability;
import amoeba.ipc.rpc.RpcException;
import amoeba.servers.BoardList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/** The pool's Bullet servers as their owner capabilities (CREATE right), asked afresh each time. */
@FunctionalInterface
public interface BulletServers {
  List<Capability> list() throws RpcException;

  /**
   * One server per board of {@code boards} ({@code owner}: board -> its Bullet server's
   * capability), starting at a random board each time so files spread over the boards.
   */
  static BulletServers of(BoardList boards, Function<String, Capability> owner, RandomGenerator random) {
    return () -> {
      List<String> names = boards.boards();
      List<Capability> servers = new ArrayList<>();
      int start = names.isEmpty() ? 0 : random.nextInt(names.size());
      for (int i = 0; i < names.size(); i++) {
        servers.add(owner.apply(names.get((start + i) % names.size())));
      }
      return servers;
    };
  }
}
