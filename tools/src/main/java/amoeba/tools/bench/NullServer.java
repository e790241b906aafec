package amoeba.tools.bench;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.ServerBlock;
import amoeba.ipc.rpc.Server;
import java.nio.ByteBuffer;
import java.util.random.RandomGenerator;

/**
 * The benchmark's server: ECHO (an anonymous command of the system server's block) returns
 * the request's data up to 64 KiB, and for more only its length (8 bytes), like {@code flip
 * echo}; one object answers the standard commands for CLI tests.
 */
public final class NullServer extends Server<String> {
  /** Diagnostic echo, in the system server's block (ours). */
  public static final int ECHO = ServerBlock.SYS.first() + 90;
  public static final int ECHO_LIMIT = 65536;

  private final Capability owner;
  /** Executions per request id (the data's first 8 bytes), when counting; for system tests. */
  private final java.util.concurrent.ConcurrentHashMap<Long, java.util.concurrent.atomic.AtomicInteger> executions;
  private final ThreadLocal<ByteBuffer> length = ThreadLocal.withInitial(() -> ByteBuffer.allocate(8));

  public NullServer(Port putPort, RandomGenerator random) {
    this(putPort, random, false);
  }

  /** With {@code count}, every ECHO is counted per request id: see {@link #executionSummary}. */
  public NullServer(Port putPort, RandomGenerator random, boolean count) {
    super(putPort, new CheckScheme(random));
    executions = count ? new java.util.concurrent.ConcurrentHashMap<>() : null;
    try {
      owner = objects.allocate("null server object");
    } catch (CapabilityException e) {
      throw new IllegalStateException(e);
    }
    anonymous(ECHO, (o, rq, rp) -> {
      ByteBuffer d = rq.data();
      if (executions != null && d.remaining() >= 8) {
        executions.computeIfAbsent(d.getLong(d.position()), k -> new java.util.concurrent.atomic.AtomicInteger())
            .incrementAndGet();
      }
      if (d.remaining() <= ECHO_LIMIT) {
        rp.data(d);
      } else {
        ByteBuffer b = length.get();
        b.clear();
        b.putLong(0, d.remaining());
        rp.data(b);
      }
      return ErrorCode.OK.code();
    });
  }

  /** "executions ids=N total=T twice=D": requests run, and ids run more than once. */
  public String executionSummary() {
    long total = executions.values().stream().mapToLong(java.util.concurrent.atomic.AtomicInteger::get).sum();
    long twice = executions.values().stream().filter(c -> c.get() > 1).count();
    return "executions ids=" + executions.size() + " total=" + total + " twice=" + twice;
  }

  /** The owner capability of the one object. */
  public Capability owner() {
    return owner;
  }
}
