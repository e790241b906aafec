package amoeba.ipc.rpc;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.ObjectTable;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.tinylog.Logger;

/**
 * The base of every server: owns the object table, dispatches requests by command number and
 * checks everything before it acts. For a command that names an object, {@link #dispatch}
 * validates the capability (port, object, check: CAPBAD or NO_SUCH_OBJECT) and the command's
 * required rights (DENIED) before the handler runs, so a handler only ever sees a valid object
 * it may act on. An unknown command is COMMAND_UNKNOWN.
 *
 * <p>Standard commands answered here: STD_INFO (any valid capability; the text of {@link
 * #info}, at most 256 bytes), STD_RESTRICT (any valid capability; rights mask in the request's
 * offset field; the new capability in the reply header), STD_DESTROY (DELETE right), STD_TOUCH
 * (any valid capability; {@link #touch}), STD_AGE (ADMIN right; {@link #age}, not supported
 * unless overridden), STD_REVOKE (owner capability only: a new secret, the new owner
 * capability in the reply header, every older capability CAPBAD).
 *
 * @param <T> the server's object type
 */
public abstract class Server<T> {
  /** A command's action, called only after its capability and rights were checked. */
  @FunctionalInterface
  public interface Handler<T> {
    /**
     * @param object the object the request's capability names (null for an anonymous command)
     * @return the reply status: 0 or an error number
     */
    int handle(T object, RpcMessage request, RpcMessage reply) throws CapabilityException;
  }

  private record Op<T>(int rights, boolean needsObject, Handler<T> handler) {}

  /** Commands a server may register: the standard range and every server block. */
  private static final int FIRST_COMMAND = StdCommand.FIRST;
  private static final int LAST_COMMAND = 2999;

  /** STD_INFO text limit (Amoeba: 256 bytes). */
  public static final int INFO_BYTES = 256;

  protected final ObjectTable<T> objects;
  private final Op<?>[] ops = new Op<?>[LAST_COMMAND - FIRST_COMMAND + 1];
  private final ThreadLocal<ByteBuffer> infoBuffer =
      ThreadLocal.withInitial(() -> ByteBuffer.allocate(INFO_BYTES));
  private final LongAdder handled = new LongAdder();
  private final List<Thread> threads = new ArrayList<>();
  private volatile RpcServer serving;

  /** @param putPort the put-port of the get-port this server will serve */
  protected Server(Port putPort, CheckScheme scheme) {
    this.objects = new ObjectTable<>(putPort, scheme);
    command(StdCommand.STD_INFO.code(), Rights.NONE, (o, rq, rp) -> info(o, rp));
    command(StdCommand.STD_RESTRICT.code(), Rights.NONE, (o, rq, rp) -> restrict(rq, rp));
    command(StdCommand.STD_DESTROY.code(), Rights.DELETE, (o, rq, rp) -> destroy(rq));
    command(StdCommand.STD_TOUCH.code(), Rights.NONE, (o, rq, rp) -> touch(o));
    command(StdCommand.STD_AGE.code(), Rights.ADMIN, (o, rq, rp) -> age());
    command(StdCommand.STD_REVOKE.code(), Rights.ALL, (o, rq, rp) -> revoke(rq, rp));
  }

  public ObjectTable<T> objects() {
    return objects;
  }

  /** Registers (or replaces) a command on objects, needing {@code rights} on the capability. */
  protected final void command(int command, int rights, Handler<T> handler) {
    ops[index(command)] = new Op<>(rights, true, handler);
  }

  /** Registers a command that names no object: no capability is checked (e.g. a ping). */
  protected final void anonymous(int command, Handler<T> handler) {
    ops[index(command)] = new Op<>(0, false, handler);
  }

  private static int index(int command) {
    if (command < FIRST_COMMAND || command > LAST_COMMAND) {
      throw new IllegalArgumentException(
          "commands are " + FIRST_COMMAND + ".." + LAST_COMMAND + ": " + command);
    }
    return command - FIRST_COMMAND;
  }

  /** Handlers run so far (tests check that refused requests never got this far). */
  public long handled() {
    return handled.sum();
  }

  /**
   * Checks {@code request} and, if it passes, runs its handler; always leaves a status in
   * {@code reply}. Never throws: a handler's exception is SYSERR (logged).
   */
  public final void dispatch(RpcMessage request, RpcMessage reply) {
    int command = request.command();
    @SuppressWarnings("unchecked")
    Op<T> op =
        command < FIRST_COMMAND || command > LAST_COMMAND
            ? null
            : (Op<T>) ops[command - FIRST_COMMAND];
    if (op == null) {
      reply.status(ErrorCode.COMMAND_UNKNOWN);
      return;
    }
    int status;
    try {
      T object = null;
      if (op.needsObject()) {
        object = lookup(request.capability(), op.rights());
      }
      handled.increment();
      status = op.handler().handle(object, request, reply);
    } catch (CapabilityException e) {
      status = e.code().code();
    } catch (RuntimeException e) {
      Logger.error(e, "handler of command {} failed", command);
      status = ErrorCode.SYSERR.code();
    }
    reply.status(status);
  }

  /**
   * Serves {@code server} with {@code threads} threads, each looping getreq, dispatch, putrep,
   * until {@link #stop}. Returns at once.
   */
  public synchronized void serve(RpcServer server, int threads) {
    serving = server;
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(() -> loop(server), "server-" + server.putPort() + "-" + i);
      t.setDaemon(true);
      this.threads.add(t);
      t.start();
    }
  }

  private void loop(RpcServer server) {
    RpcMessage reply = new RpcMessage();
    while (serving == server) {
      RpcMessage request = server.getreq(100_000_000L);
      if (request == null) {
        continue;
      }
      reply.clear();
      dispatch(request, reply);
      server.putrep(reply);
    }
  }

  /** Stops the serving threads (after their current request) and closes the RPC server. */
  public synchronized void stop() {
    RpcServer s = serving;
    serving = null;
    if (s != null) {
      s.close();
    }
    for (Thread t : threads) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    threads.clear();
  }

  /**
   * The object {@code cap} names, if it grants {@code rights}. A server whose table mirrors
   * replicated state overrides this to catch up first, so a lagging replica does not refuse a
   * capability the group has already made (or accept one it has already revoked).
   */
  protected T lookup(Capability cap, int rights) throws CapabilityException {
    return objects.lookup(cap, rights);
  }

  // ---- standard commands: override the hooks --------------------------------------------------

  /** STD_INFO's text for an object; at most 256 bytes of UTF-8 are sent. */
  protected String info(T object) {
    return object.toString();
  }

  /** STD_TOUCH: reset the object's lifetime. Default: nothing to do, OK. */
  protected int touch(T object) {
    return ErrorCode.OK.code();
  }

  /** STD_AGE: age every object by one unit. Default: not supported. */
  protected int age() {
    return ErrorCode.COMMAND_UNKNOWN.code();
  }

  /** Called after STD_DESTROY removed the object from the table. */
  protected void destroyed(T object) {}

  private int info(T object, RpcMessage reply) {
    byte[] text = info(object).getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = infoBuffer.get();
    b.clear();
    b.put(text, 0, Math.min(text.length, INFO_BYTES)).flip();
    reply.data(b);
    return ErrorCode.OK.code();
  }

  private int restrict(RpcMessage request, RpcMessage reply) throws CapabilityException {
    int mask = request.offset();
    if ((mask & ~Rights.ALL) != 0) {
      return ErrorCode.BADPARAM.code();
    }
    reply.capability(objects.restrict(request.capability(), mask));
    return ErrorCode.OK.code();
  }

  private int destroy(RpcMessage request) throws CapabilityException {
    destroyed(objects.remove(request.capability()));
    return ErrorCode.OK.code();
  }

  private int revoke(RpcMessage request, RpcMessage reply) throws CapabilityException {
    Capability owner = objects.revoke(request.capability());
    reply.capability(owner);
    return ErrorCode.OK.code();
  }
}
