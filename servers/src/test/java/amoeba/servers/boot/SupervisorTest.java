package amoeba.servers.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.ipc.rpc.RpcException;
import amoeba.servers.run.Constraints;
import amoeba.servers.run.Launch;
import amoeba.servers.run.RunClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supervisor's rules with a fake run server and fake liveness: no kernels, a hand clock. */
class SupervisorTest {
  final AtomicLong clock = new AtomicLong();
  final List<Launch> launches = new ArrayList<>();
  boolean runServerUp = true;

  RunClient.Placed launch(Launch l) throws RpcException {
    launches.add(l);
    if (!runServerUp) {
      throw new RpcException(ErrorCode.NOTFOUND.code(), "RUN");
    }
    return new RunClient.Placed("b1", launches.size(), new Capability(new Port(1), launches.size(), Rights.ALL, 7));
  }

  Supervisor supervisor(BootStore store) {
    return new Supervisor(store, this::launch, i -> new Supervisor.Finding(Supervisor.Health.ALIVE, ""), i -> {},
        clock::get);
  }

  static ServiceSpec spec(String name, int instances, int restartMs) {
    return new ServiceSpec(name, new Launch("builtin:sleeper", List.of("a"), Constraints.ANY), instances, 1000, restartMs);
  }

  @Test
  void aFailedStartWaitsTheRestartIntervalAndTheEventLogIsBounded() {
    Supervisor s = supervisor(BootStore.inMemory());
    runServerUp = false;
    s.add(spec("svc", 1, 1000));
    s.tick();
    assertEquals(1, launches.size());
    clock.set(999);
    s.tick();
    assertEquals(1, launches.size(), "no attempt before restartMs");
    clock.set(1000);
    s.tick();
    assertEquals(2, launches.size());
    for (int i = 0; i < 2 * Supervisor.MAX_EVENTS; i++) {
      clock.addAndGet(1000);
      s.tick();
    }
    assertEquals(Supervisor.MAX_EVENTS, s.events().size());
    assertTrue(s.events().get(0).text().startsWith("start failed: RUN: NOTFOUND"), s.events().get(0).text());
    runServerUp = true;
    clock.addAndGet(1000);
    s.tick();
    assertEquals(1, s.services().get(0).instances().size());
  }

  @Test
  void theStateFileKeepsServicesAndInstancesAcrossARestart(@TempDir Path dir) throws Exception {
    Supervisor first = supervisor(new FileBootStore(dir.resolve("state")));
    assertEquals(ErrorCode.OK, first.add(spec("a", 2, 0)));
    assertEquals(ErrorCode.EXISTS, first.add(spec("a", 1, 0)));
    first.add(spec("b", 0, 0));
    first.tick();
    Supervisor second = supervisor(new FileBootStore(dir.resolve("state")));
    second.recover();
    assertEquals(first.services(), second.services());
    assertEquals(2, launches.size(), "adopted, not started again");
    second.tick();
    assertEquals(2, launches.size());
    assertEquals(ErrorCode.OK, second.remove("a"));
    assertEquals(ErrorCode.NO_SUCH_OBJECT, second.remove("a"));
    Supervisor third = supervisor(new FileBootStore(dir.resolve("state")));
    third.recover();
    assertEquals(List.of("b"), third.services().stream().map(v -> v.spec().name()).toList());
  }
}
