package amoeba.ipc.rpc;

import static amoeba.ipc.rpc.Pool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Port;
import amoeba.ipc.rpc.Pool.CountingServer;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Per-call allocation of the calling thread in steady state (loopback network; the caller also
 * reads the network as FLIP's leader, so FLIP's share is included). The aim is none beyond the
 * message; the bound here is loose so only a regression to per-call garbage fails it.
 */
class AllocationTest {
  @Test
  void steadyStateCallsAllocateLittle() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    try (Pool pool = new Pool(31, Pool.FAST)) {
      Rpc server = pool.rpc();
      Rpc client = pool.rpc();
      Port port = pool.newPort();
      pool.serve(new SilentServer(port, pool), server, port, 1);
      RpcMessage rq = new RpcMessage().port(port.putPort().value()).command(CountingServer.ECHO)
          .data(ByteBuffer.allocate(64));
      for (int i = 0; i < 20_000; i++) {
        assertEquals(0, client.trans(rq, SECOND).status());
      }
      long id = Thread.currentThread().getId();
      int calls = 20_000;
      long before = threads.getThreadAllocatedBytes(id);
      for (int i = 0; i < calls; i++) {
        client.trans(rq, SECOND);
      }
      long perCall = (threads.getThreadAllocatedBytes(id) - before) / calls;
      System.out.println("client thread allocation per null call: " + perCall + " bytes");
      assertTrue(perCall < 512, perCall + " bytes per call");
    }
  }

  /** ECHO without bookkeeping, so the server adds no garbage of the test's own. */
  static final class SilentServer extends Server<String> {
    SilentServer(Port getPort, Pool pool) {
      super(getPort.putPort(), new amoeba.capabilities.CheckScheme(pool.random.split()));
      anonymous(CountingServer.ECHO, (o, rq, rp) -> {
        rp.data(rq.data());
        return 0;
      });
    }
  }
}
