package amoeba.ipc.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.ipc.rpc.TransactionTable.Verdict;
import org.junit.jupiter.api.Test;

/** The at-most-once table on a hand-driven clock. */
class TransactionTableTest {
  long now = 1_000;
  final RpcStats stats = new RpcStats();
  final TransactionTable.Entry[] out = new TransactionTable.Entry[1];

  TransactionTable table(int capacity, long ttl) {
    return new TransactionTable(capacity, ttl, () -> now, stats);
  }

  void reply(TransactionTable t, long client) {
    TransactionTable.Entry e = t.get(client);
    synchronized (e) {
      e.replyBuffer(48);
      t.replied(e);
    }
  }

  @Test
  void duplicatesAreRecognisedByState() {
    TransactionTable t = table(4, 100);
    assertEquals(Verdict.EXECUTE, t.onRequest(7, 1, out));
    assertEquals(Verdict.DUPLICATE_EXECUTING, t.onRequest(7, 1, out));
    reply(t, 7);
    assertEquals(Verdict.DUPLICATE_REPLIED, t.onRequest(7, 1, out));
    assertEquals(Verdict.EXECUTE, t.onRequest(7, 2, out)); // implicitly acknowledges tid 1
    assertEquals(Verdict.OLD, t.onRequest(7, 1, out));
    assertEquals(Verdict.EXECUTE, t.onRequest(8, 1, out)); // other client, own ids
  }

  @Test
  void idsWrapAround() {
    TransactionTable t = table(4, 100);
    assertEquals(Verdict.EXECUTE, t.onRequest(7, Integer.MAX_VALUE, out));
    reply(t, 7);
    assertEquals(Verdict.EXECUTE, t.onRequest(7, Integer.MIN_VALUE, out));
    assertTrue(RpcHeader.newer(1, -1));
    assertFalse(RpcHeader.newer(-1, 1));
  }

  @Test
  void fullTableRefusesUntilAnEntryOutlivesItsTtl() {
    TransactionTable t = table(2, 100);
    assertEquals(Verdict.EXECUTE, t.onRequest(1, 1, out));
    assertEquals(Verdict.EXECUTE, t.onRequest(2, 1, out));
    reply(t, 1);
    assertEquals(Verdict.FULL, t.onRequest(3, 1, out));
    now += 100; // not more than the TTL yet
    assertEquals(Verdict.FULL, t.onRequest(3, 1, out));
    now += 1;
    assertEquals(Verdict.EXECUTE, t.onRequest(3, 1, out)); // client 1 was dropped
    assertEquals(1, stats.get(RpcCounter.TABLE_EXPIRED));
    assertEquals(2, stats.get(RpcCounter.TABLE_FULL));
  }

  @Test
  void executingEntriesAreNeverDropped() {
    TransactionTable t = table(1, 10);
    assertEquals(Verdict.EXECUTE, t.onRequest(1, 1, out));
    now += 1_000_000;
    assertEquals(0, t.expire());
    assertEquals(Verdict.FULL, t.onRequest(2, 1, out));
    assertEquals(Verdict.DUPLICATE_EXECUTING, t.onRequest(1, 1, out));
  }

  @Test
  void expiryDropsIdleRepliedClients() {
    TransactionTable t = table(10, 10);
    t.onRequest(1, 1, out);
    reply(t, 1);
    now += 5;
    t.onRequest(2, 1, out);
    reply(t, 2);
    now += 6;
    assertEquals(1, t.expire());
    assertEquals(1, t.size());
    now += 10;
    assertEquals(1, t.expire());
    assertEquals(0, t.size());
  }

  @Test
  void configRefusesATtlShorterThanTheRequestWindow() {
    RpcConfig d = RpcConfig.defaults();
    assertTrue(d.tableTtlNanos() > d.requestWindowNanos() + RpcConfig.MAX_NETWORK_DELAY_NANOS);
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> d.withTable(10, d.requestWindowNanos()));
  }

  @Test
  void anExportCarriesRepliedEntriesOnlyAndItsAdopterAnswersTheirDuplicates() {
    TransactionTable old = table(4, 100);
    assertEquals(Verdict.EXECUTE, old.onRequest(7, 5, out));
    reply(old, 7);
    old.get(7).reply.put(0, (byte) 42);
    assertEquals(Verdict.EXECUTE, old.onRequest(8, 1, out)); // admitted, never run: left out
    TransactionTable moved = table(4, 100);
    moved.adopt(old.export());
    assertEquals(1, moved.size());
    assertEquals(Verdict.DUPLICATE_REPLIED, moved.onRequest(7, 5, out));
    assertEquals(42, out[0].reply.get(0), "the stored reply itself moved");
    assertEquals(Verdict.OLD, moved.onRequest(7, 4, out));
    assertEquals(Verdict.EXECUTE, moved.onRequest(8, 1, out), "its client resends it after the NAK");
  }

  @Test
  void aDamagedExportIsRefusedWholeAndTakesNothing() {
    TransactionTable old = table(4, 100);
    assertEquals(Verdict.EXECUTE, old.onRequest(7, 5, out));
    reply(old, 7);
    byte[] export = old.export();
    TransactionTable moved = table(4, 100);
    for (byte[] bad : new byte[][] {java.util.Arrays.copyOf(export, export.length - 1),
        java.util.Arrays.copyOf(export, export.length + 1), {0, 0, 0, 1}}) {
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> moved.adopt(bad));
    }
    assertEquals(0, moved.size());
  }
}
