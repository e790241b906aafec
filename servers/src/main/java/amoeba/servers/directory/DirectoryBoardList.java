package amoeba.servers.directory;

import amoeba.ipc.rpc.RpcException;
import amoeba.servers.BoardList;
import java.util.List;

/** The boards of the pool as the directory knows them: the names under /pool. */
public final class DirectoryBoardList implements BoardList {
  private final Namespace namespace;

  public DirectoryBoardList(Namespace namespace) {
    this.namespace = namespace;
  }

  @Override
  public List<String> boards() throws RpcException {
    return namespace.list("/pool").stream().map(Namespace.Entry::name).toList();
  }
}
