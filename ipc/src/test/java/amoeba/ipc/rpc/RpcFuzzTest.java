package amoeba.ipc.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.flip.Endpoint;
import amoeba.flip.wire.FlipAddress;
import amoeba.ipc.rpc.Pool.CountingServer;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Arbitrary bytes into the RPC header decoder, the Server dispatch and a live server's receive
 * path. Under plain {@code mvn verify} Jazzer runs the committed inputs in
 * {@code RpcFuzzTestInputs/<method>/}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class RpcFuzzTest {
  private static final Port PORT = Port.random(new SplittableRandom(99));
  private static final CountingServer SERVER = new CountingServer(PORT, new SplittableRandom(5));
  private static final Capability OWNER;

  static {
    try {
      OWNER = SERVER.objects().allocate("fuzz");
    } catch (CapabilityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Raw bytes at a fuzzed offset: check never throws; what it admits decodes sanely. */
  @FuzzTest(maxDuration = "2m")
  void decode(FuzzedDataProvider data) {
    int at = data.consumeInt(0, 16);
    int slack = data.consumeInt(-8, 8);
    byte[] raw = data.consumeRemainingAsBytes();
    ByteBuffer b = ByteBuffer.allocate(at + raw.length);
    b.put(at, raw);
    int length = raw.length + slack;
    RpcHeader.Problem problem = RpcHeader.check(b, at, length);
    if (problem != null) {
      return;
    }
    assertTrue(length >= RpcHeader.HEADERS && at + length <= b.limit());
    RpcMessage m = new RpcMessage();
    m.readFrom(b, at, length, null);
    assertEquals(length - RpcHeader.HEADERS, m.dataLength());
    Capability cap = m.capability(); // any header bytes make a well-formed capability
    assertTrue(cap.object() <= Capability.MAX_OBJECT);
    assertTrue(m.size() <= 0xFFFF && m.extra() <= 0xFFFF);
    assertEquals((short) m.command(), m.command());
  }

  /**
   * A request from fuzzed header fields (sometimes around the valid owner capability) into
   * dispatch: the reply status is OK or a registry error, and the READ handler runs exactly
   * when the capability is valid and holds READ.
   */
  @FuzzTest(maxDuration = "2m")
  void dispatch(FuzzedDataProvider data) {
    ByteBuffer b = ByteBuffer.allocate(RpcHeader.HEADERS + 64);
    RpcHeader.write(b, 0, RpcType.REQUEST, 0, 1, 0);
    int h = RpcHeader.LENGTH;
    boolean nearValid = data.consumeBoolean();
    long port = nearValid ? OWNER.port().value() : data.consumeLong() & Port.MASK;
    int object = nearValid ? OWNER.object() : data.consumeInt(0, Capability.MAX_OBJECT);
    int rights = data.consumeInt(0, 255);
    long check = nearValid && data.consumeBoolean()
        ? OWNER.check()
        : data.consumeLong() & Capability.CHECK_MASK;
    int[] commands = {1001, 1003, 1004, 1005, 1007, 1011, CountingServer.READ, CountingServer.ECHO};
    int command = data.consumeBoolean()
        ? commands[data.consumeInt(0, commands.length - 1)]
        : data.consumeInt(Short.MIN_VALUE, Short.MAX_VALUE);
    AmoebaHeader.write(b, h, port, data.consumeLong(), object, rights, check, command,
        data.consumeInt(), data.consumeInt(0, 0xFFFF), data.consumeInt(0, 0xFFFF));
    byte[] payload = data.consumeBytes(64);
    b.put(RpcHeader.HEADERS, payload);
    int length = RpcHeader.HEADERS + payload.length;
    if (command == 1003 || command == 1011) {
      return; // destroy and revoke would change the shared object; covered by ServerTest
    }
    RpcMessage request = new RpcMessage();
    request.readFrom(b, 0, length, null);
    ErrorCode gate = SERVER.objects().status(request.capability(), Rights.READ);
    int readsBefore = SERVER.reads.get();
    RpcMessage reply = new RpcMessage();
    SERVER.dispatch(request, reply);
    assertTrue(reply.status() == 0 || ErrorCode.fromCode(reply.status()).isPresent(),
        "status " + reply.status());
    if (command == CountingServer.READ) {
      assertEquals(gate == ErrorCode.OK ? 1 : 0, SERVER.reads.get() - readsBefore);
      assertEquals(gate.code(), reply.status());
    }
  }

  private static Pool livePool;
  private static Rpc liveClient;
  private static Endpoint raw;
  private static Port livePort;
  private static CountingServer live;

  private static synchronized void startLive() {
    if (livePool != null) {
      return;
    }
    livePool = new Pool(77, Pool.FAST);
    Rpc server = livePool.rpc();
    liveClient = livePool.rpc();
    livePort = livePool.newPort();
    live = livePool.serve(new CountingServer(livePort, livePool.random), server, livePort, 1);
    raw = livePool.rpc().box().openRandom();
  }

  /**
   * Arbitrary bytes sent to a live server's port: it never runs garbage (its instance id is
   * unguessable) and still answers a real call afterwards.
   */
  @FuzzTest(maxDuration = "2m")
  void serverReceivePath(FuzzedDataProvider data) {
    startLive();
    byte[] bytes = data.consumeRemainingAsBytes();
    long executed = live.totalExecutions();
    raw.send(FlipAddress.ofPort(livePort.putPort().value()), ByteBuffer.wrap(bytes));
    ByteBuffer d = ByteBuffer.allocate(8).putLong(0, executed + 1_000_000);
    RpcMessage rq = new RpcMessage().port(livePort.putPort().value())
        .command(CountingServer.ECHO).data(d);
    assertEquals(0, liveClient.trans(rq, 5 * Pool.SECOND).status());
    assertEquals(executed + 1, live.totalExecutions());
  }
}
