package amoeba.ipc.rpc;

import static amoeba.ipc.rpc.Pool.MS;
import static amoeba.ipc.rpc.Pool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Port;
import amoeba.flip.FlipBox;
import amoeba.flip.mqtt.Mosquitto;
import amoeba.flip.mqtt.MqttConfig;
import amoeba.flip.mqtt.MqttNetwork;
import amoeba.flip.net.FaultyNetwork;
import amoeba.ipc.rpc.Pool.CountingServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The RPC promises over FLIP on MQTT, through a real mosquitto: at most once under loss,
 * duplication and reordering; and a broker killed and restarted mid-run makes calls fail
 * cleanly (never hang, never run twice) and then work again.
 */
class RpcOverMqttTest {
  Mosquitto broker;
  /** The failover broker, when a test has one. */
  Mosquitto second;
  Pool pool;
  final ExecutorService clients = Executors.newCachedThreadPool();

  @BeforeAll
  static void needsMosquitto() {
    Mosquitto.assumeInstalled();
  }

  @AfterEach
  void close() {
    clients.shutdownNow();
    if (pool != null) {
      pool.close();
    }
    if (broker != null) {
      broker.close();
    }
    if (second != null) {
      second.close();
    }
  }

  Pool mqttPool(long seed, RpcConfig config) throws IOException {
    broker = Mosquitto.anonymous();
    MqttConfig mqtt = MqttConfig.builder(broker.url()).pool(7).build();
    return new Pool(seed, config, name -> {
      try {
        return new MqttNetwork(mqtt);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private int phase;

  /**
   * Runs {@code calls} echo calls on each of {@code threads} threads; returns {ok, failed}. Every
   * call of a test carries a distinct id, so the server's per-id counts show double execution.
   */
  int[] run(List<Rpc> rpcs, Port port, int threads, int calls, long timeout) throws Exception {
    long phaseBase = (long) ++phase << 48;
    List<Future<int[]>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Rpc rpc = rpcs.get(t % rpcs.size());
      long base = phaseBase | (long) t << 32;
      results.add(clients.submit(() -> {
        int ok = 0;
        int failed = 0;
        for (int i = 0; i < calls; i++) {
          long t0 = System.nanoTime();
          RpcMessage reply = rpc.trans(RpcTest.echo(port, base + i, 16), timeout);
          assertTrue(System.nanoTime() - t0 < timeout + 500 * MS, "a call overran its timeout");
          if (reply.ok() && reply.data().getLong(reply.data().position()) == base + i) {
            ok++;
          } else {
            failed++;
          }
        }
        return new int[] {ok, failed};
      }));
    }
    int[] sum = new int[2];
    for (Future<int[]> f : results) {
      int[] r = f.get();
      sum[0] += r[0];
      sum[1] += r[1];
    }
    return sum;
  }

  @Test
  void atMostOnceOverMqttUnderLossDuplicationAndReordering() throws Exception {
    pool = mqttPool(21, Pool.FAST);
    Rpc server = pool.rpc(true);
    List<Rpc> clientRpcs = List.of(pool.rpc(true), pool.rpc(true));
    for (FaultyNetwork f : pool.faulty) {
      f.setLossProbability(0.20);
      f.setDuplicateProbability(0.05);
      f.setReorderProbability(0.05);
    }
    Port port = pool.newPort();
    CountingServer counting = pool.serve(new CountingServer(port, pool.random), server, port, 4);
    int[] r = run(clientRpcs, port, 4, 250, 5 * SECOND);
    assertEquals(1000, r[0] + r[1]);
    assertTrue(pool.faulty.stream().mapToLong(FaultyNetwork::lost).sum() > 100, "faults happened");
    assertEquals(0, counting.executedTwice(), "no request ran twice");
    assertEquals(r[0], counting.totalExecutions(), "executed exactly what succeeded");
    assertEquals(0, r[1], "with retransmission every call succeeds");
  }

  @Test
  void killingTheFirstOfTwoBrokersMidRunMovesTheCallsToTheSecond() throws Exception {
    broker = Mosquitto.anonymous();
    second = Mosquitto.anonymous();
    MqttConfig mqtt = MqttConfig.builder(broker.url())
        .brokerUrls(List.of(broker.url(), second.url())).pool(7).build();
    pool = new Pool(23, Pool.FAST.withLocateTimeout(500 * MS), name -> {
      try {
        return new MqttNetwork(mqtt);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    Rpc server = pool.rpc();
    Rpc client = pool.rpc();
    Port port = pool.newPort();
    CountingServer counting = pool.serve(new CountingServer(port, pool.random), server, port, 2);
    for (FlipBox b : pool.boxes) {
      assertEquals(broker.url(), ((MqttNetwork) b.networks().get(0)).brokerUrl());
    }

    // Calls run on another thread the whole time; the first broker dies after 20 of them.
    CountDownLatch warm = new CountDownLatch(20);
    AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
    long timeout = SECOND;
    Future<long[]> calls = clients.submit(() -> {
      long ok = 0;
      long okAfterKill = 0;
      long firstOkAfterKill = -1;
      long made = 0;
      // Bounded: 2000 calls at most, and it stops at 100 successes after the kill.
      for (long id = 0; id < 2000 && okAfterKill < 100; id++) {
        made++;
        long t0 = System.nanoTime();
        RpcMessage reply = client.trans(RpcTest.echo(port, id, 16), timeout);
        long t1 = System.nanoTime();
        assertTrue(t1 - t0 < timeout + 500 * MS, "a call overran its timeout");
        if (reply.ok() && reply.data().getLong(reply.data().position()) == id) {
          ok++;
          warm.countDown();
          if (t0 > killedAt.get()) {
            okAfterKill++;
            if (firstOkAfterKill < 0) {
              firstOkAfterKill = t1;
            }
          }
        }
      }
      return new long[] {ok, okAfterKill, firstOkAfterKill, made};
    });
    Pool.await(warm);
    killedAt.set(System.nanoTime());
    broker.kill();
    long[] r = calls.get(60, TimeUnit.SECONDS);

    assertEquals(100, r[1], "calls continue through the second broker");
    // The figure for issue 6: from the kill to the first call that succeeded after it.
    System.out.println("rpc over mqtt: calls resumed through the second broker "
        + (r[2] - killedAt.get()) / MS + " ms after the first was killed");
    for (FlipBox b : pool.boxes) {
      assertEquals(second.url(), ((MqttNetwork) b.networks().get(0)).brokerUrl());
    }
    assertEquals(0, counting.executedTwice(), "no request ran twice across the failover");
    assertTrue(counting.totalExecutions() >= r[0] && counting.totalExecutions() <= r[3],
        "every success was executed, and nothing more than the calls made");
  }

  @Test
  void brokerRestartMidRunFailsCleanlyThenServiceResumes() throws Exception {
    pool = mqttPool(22, Pool.FAST.withLocateTimeout(500 * MS));
    Rpc server = pool.rpc();
    Rpc client = pool.rpc();
    Port port = pool.newPort();
    CountingServer counting = pool.serve(new CountingServer(port, pool.random), server, port, 2);
    int[] before = run(List.of(client), port, 1, 50, SECOND);
    assertEquals(50, before[0]);

    broker.kill();
    int[] during = run(List.of(client), port, 1, 5, 300 * MS);
    assertEquals(5, during[1], "no broker: calls fail within their timeout");
    broker.start();
    long back = System.nanoTime();
    int[] after = new int[2];
    while (after[0] == 0 && System.nanoTime() - back < 10 * SECOND) {
      after = run(List.of(client), port, 1, 1, SECOND);
    }
    long resumedMs = (System.nanoTime() - back) / MS;
    // The figure for issue 6 (target: within 5 s); a loaded CI machine must not fail on it.
    System.out.println("rpc over mqtt resumed " + resumedMs + " ms after the broker came back");
    assertTrue(after[0] > 0, "calls resume once the broker is back");
    assertEquals(0, counting.executedTwice(), "no request ran twice across the outage");
    assertTrue(counting.totalExecutions() <= 50 + 5 + 10 + after[0],
        "executions never exceed calls made");
  }
}
