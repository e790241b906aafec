package amoeba.ipc.rpc;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.flip.Message;
import java.nio.ByteBuffer;

/**
 * A request or reply as the caller sees it: the fields of the {@link AmoebaHeader} and the data
 * (position to limit). Mutable and reusable so a call allocates nothing: {@link Rpc#trans}
 * returns one reply object per thread, and {@link RpcServer#getreq} one request object per
 * thread. Not thread-safe; owned by one thread.
 *
 * <p>A received message's data is a view of the FLIP buffer it arrived in: valid until the
 * owner's next call ({@code trans}, or {@code putrep}/{@code getreq}) or {@link #release()}.
 */
public final class RpcMessage {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private long port;
  private long signature;
  private int object;
  private int rights;
  private long check;
  private int command;
  private int offset;
  private int size;
  private int extra;
  private ByteBuffer data = EMPTY;
  /** The FLIP message holding {@link #data}, released with it; null for caller-owned data. */
  private Message flip;

  /** Zeroes every field, empties the data and releases a held FLIP buffer. */
  public RpcMessage clear() {
    release();
    port = 0;
    signature = 0;
    object = 0;
    rights = 0;
    check = 0;
    command = 0;
    offset = 0;
    size = 0;
    extra = 0;
    return this;
  }

  /** Hands a received message's buffer back; the data is empty afterwards. */
  public void release() {
    Message m = flip;
    flip = null;
    data = EMPTY;
    if (m != null) {
      m.release();
    }
  }

  /** The port and private part of {@code cap}: what the request is about. */
  public RpcMessage capability(Capability cap) {
    port = cap.port().value();
    object = cap.object();
    rights = cap.rights();
    check = cap.check();
    return this;
  }

  /** Port and private part as a capability (allocates). */
  public Capability capability() {
    return new Capability(new Port(port), object, rights, check);
  }

  public long port() {
    return port;
  }

  /** The put-port (48 bits) the request goes to. */
  public RpcMessage port(long putPort) {
    this.port = putPort & Port.MASK;
    return this;
  }

  public long signature() {
    return signature;
  }

  public RpcMessage signature(long signature) {
    this.signature = signature & Port.MASK;
    return this;
  }

  public int object() {
    return object;
  }

  public int rights() {
    return rights;
  }

  public long check() {
    return check;
  }

  /** The command of a request. */
  public int command() {
    return command;
  }

  /** A 16-bit signed command number. */
  public RpcMessage command(int command) {
    if (command != (short) command) {
      throw new IllegalArgumentException("a command is 16 bits signed: " + command);
    }
    this.command = command;
    return this;
  }

  /** The status of a reply: 0 (OK), an ErrorCode number, or a server's own. */
  public int status() {
    return command;
  }

  public RpcMessage status(ErrorCode code) {
    this.command = code.code();
    return this;
  }

  public RpcMessage status(int status) {
    return command(status);
  }

  /** Whether the status is OK. */
  public boolean ok() {
    return command == 0;
  }

  /** The status as a registry error, if it is one we know. */
  public ErrorCode error() {
    return ErrorCode.fromCode(command).orElse(ErrorCode.SYSERR);
  }

  public int offset() {
    return offset;
  }

  public RpcMessage offset(int offset) {
    this.offset = offset;
    return this;
  }

  public int size() {
    return size;
  }

  /** 16 bits unsigned. */
  public RpcMessage size(int size) {
    this.size = size & 0xFFFF;
    return this;
  }

  public int extra() {
    return extra;
  }

  /** 16 bits unsigned. */
  public RpcMessage extra(int extra) {
    this.extra = extra & 0xFFFF;
    return this;
  }

  /** The data, position to limit. Read it without changing position/limit, or slice it. */
  public ByteBuffer data() {
    return data;
  }

  /** Data to send (position to limit, left unchanged); the caller keeps ownership. */
  public RpcMessage data(ByteBuffer data) {
    if (this.data != data) {
      release();
      this.data = data == null ? EMPTY : data;
    }
    return this;
  }

  /** Bytes of data. */
  public int dataLength() {
    return data.remaining();
  }

  /** Copies every header field from {@code other} (not the data). */
  public RpcMessage copyHeader(RpcMessage other) {
    port = other.port;
    signature = other.signature;
    object = other.object;
    rights = other.rights;
    check = other.check;
    command = other.command;
    offset = other.offset;
    size = other.size;
    extra = other.extra;
    return this;
  }

  void writeHeader(ByteBuffer b, int at) {
    AmoebaHeader.write(b, at, port, signature, object, rights, check, command, offset, size, extra);
  }

  /**
   * Takes the header fields of the message at {@code at} (after the RPC header) and its data
   * as a view of the same buffer, which must stay valid while this message holds it.
   */
  void readFrom(ByteBuffer b, int at, int length, Message owner) {
    release();
    int h = at + RpcHeader.LENGTH;
    port = AmoebaHeader.port(b, h);
    signature = AmoebaHeader.signature(b, h);
    object = AmoebaHeader.object(b, h);
    rights = AmoebaHeader.rights(b, h);
    check = AmoebaHeader.check(b, h);
    command = AmoebaHeader.command(b, h);
    offset = AmoebaHeader.offset(b, h);
    size = AmoebaHeader.size(b, h);
    extra = AmoebaHeader.extra(b, h);
    // The FLIP payload buffer is ours until released: narrow it in place, no slice object.
    b.limit(at + length).position(at + RpcHeader.HEADERS);
    data = b;
    flip = owner;
  }

  @Override
  public String toString() {
    return "RpcMessage[port=" + new Port(port) + ", object=" + object + ", command/status="
        + command + ", offset=" + offset + ", size=" + size + ", extra=" + extra + ", data="
        + data.remaining() + " bytes]";
  }
}
