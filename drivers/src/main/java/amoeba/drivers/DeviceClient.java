package amoeba.drivers;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.Wire;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Client stubs of a device server ({@link DeviceCommand}); each method is one trans. Errors are
 * {@link RpcException}s whose message carries the server's reason ("b1/led in use by ...").
 */
public final class DeviceClient {
  /** Headroom over a long-poll's wait. */
  private static final long SLACK_NANOS = 5_000_000_000L;

  /** One edge of an input. */
  public record Edge(long seq, boolean high, long atNanos) {}

  /** A WATCH reply. */
  public record Edges(long lost, List<Edge> edges) {}

  private final DeviceServer.Trans trans;
  private final long timeoutNanos;

  public DeviceClient(DeviceServer.Trans trans, long timeoutNanos) {
    this.trans = trans;
    this.timeoutNanos = timeoutNanos;
  }

  private RpcMessage call(Capability cap, DeviceCommand command, Wire.Out data, long timeout)
      throws RpcException {
    RpcMessage rq = new RpcMessage().capability(cap).command(command.code()).data(data.buffer());
    RpcMessage reply = trans.trans(rq, timeout);
    if (!reply.ok()) {
      String why = new String(bytes(reply), StandardCharsets.UTF_8);
      throw new RpcException(reply.status(), why.isEmpty() ? command.name() : why);
    }
    return reply;
  }

  private RpcMessage call(Capability cap, DeviceCommand command, Wire.Out data) throws RpcException {
    return call(cap, command, data, timeoutNanos);
  }

  private static byte[] bytes(RpcMessage reply) {
    byte[] b = new byte[reply.dataLength()];
    reply.data().get(reply.data().position(), b);
    return b;
  }

  private static Wire.In in(RpcMessage reply) {
    return new Wire.In(ByteBuffer.wrap(bytes(reply)));
  }

  private static RpcException malformed(DeviceCommand c, Wire.Malformed e) {
    return new RpcException(ErrorCode.BADPARAM.code(), c.name() + " reply: " + e.getMessage());
  }

  public List<DeviceServer.Status> list(Capability server) throws RpcException {
    RpcMessage reply = call(server, DeviceCommand.LIST, new Wire.Out());
    try {
      Wire.In in = in(reply);
      List<DeviceServer.Status> all = new ArrayList<>();
      for (int n = in.u16(); n > 0; n--) {
        all.add(new DeviceServer.Status(in.str(), in.str(), in.str(), in.str(), in.str()));
      }
      return all;
    } catch (Wire.Malformed e) {
      throw malformed(DeviceCommand.LIST, e);
    }
  }

  /**
   * Claims {@code device}.
   *
   * @param holder who claims, shown to others as "in use by HOLDER"
   * @param process the claimer's process capability (the claim ends with the process), or null
   * @return the claim's owner capability
   */
  public Capability claim(Capability server, String device, String holder, Capability process)
      throws RpcException {
    Wire.Out d = new Wire.Out().str(device).str(holder).u8(process == null ? 0 : 1);
    if (process != null) {
      d.bytes(process.toBytes());
    }
    return call(server, DeviceCommand.CLAIM, d).capability();
  }

  /** Ends the claim; {@code keep}: leave the device as it is, else its safe state. */
  public void release(Capability claim, boolean keep) throws RpcException {
    call(claim, DeviceCommand.RELEASE, new Wire.Out().u8(keep ? 1 : 0));
  }

  /** GPIO_WRITE: {@link DeviceCommand#LOW}, HIGH, TOGGLE; returns the level after. */
  public boolean write(Capability claim, int op) throws RpcException {
    return level(call(claim, DeviceCommand.GPIO_WRITE, new Wire.Out().u8(op).i32(0)), DeviceCommand.GPIO_WRITE);
  }

  /** High for {@code millis}, then low. */
  public void pulse(Capability claim, int millis) throws RpcException {
    call(claim, DeviceCommand.GPIO_WRITE, new Wire.Out().u8(DeviceCommand.PULSE).i32(millis),
        timeoutNanos + millis * 1_000_000L);
  }

  public boolean read(Capability claim) throws RpcException {
    return level(call(claim, DeviceCommand.GPIO_READ, new Wire.Out()), DeviceCommand.GPIO_READ);
  }

  private static boolean level(RpcMessage reply, DeviceCommand c) throws RpcException {
    try {
      return in(reply).u8() == 1;
    } catch (Wire.Malformed e) {
      throw malformed(c, e);
    }
  }

  /** Edges after seq {@code after} (long-poll up to {@code waitMillis}). */
  public Edges watch(Capability claim, long after, int waitMillis, int max) throws RpcException {
    RpcMessage reply = call(claim, DeviceCommand.WATCH, new Wire.Out().i64(after).i32(waitMillis).u16(max),
        timeoutNanos + waitMillis * 1_000_000L + SLACK_NANOS);
    try {
      Wire.In in = in(reply);
      long lost = in.i64();
      List<Edge> edges = new ArrayList<>();
      for (int n = in.u16(); n > 0; n--) {
        edges.add(new Edge(in.i64(), in.u8() == 1, in.i64()));
      }
      return new Edges(lost, edges);
    } catch (Wire.Malformed e) {
      throw malformed(DeviceCommand.WATCH, e);
    }
  }

  /** Sets frequency (Hz) and duty (0.01 %); returns {frequency, duty} as set. */
  public int[] pwmSet(Capability claim, int frequencyHz, int dutyCentiPercent) throws RpcException {
    return pwm(call(claim, DeviceCommand.PWM_SET, new Wire.Out().i32(frequencyHz).u16(dutyCentiPercent)),
        DeviceCommand.PWM_SET);
  }

  public int[] pwmGet(Capability claim) throws RpcException {
    return pwm(call(claim, DeviceCommand.PWM_GET, new Wire.Out()), DeviceCommand.PWM_GET);
  }

  private static int[] pwm(RpcMessage reply, DeviceCommand c) throws RpcException {
    try {
      Wire.In in = in(reply);
      return new int[] {in.i32(), in.u16()};
    } catch (Wire.Malformed e) {
      throw malformed(c, e);
    }
  }

  /** {@code n} bytes from {@code register} (-1: a plain read) of the device at {@code address}. */
  public byte[] i2cRead(Capability claim, int address, int register, int n) throws RpcException {
    return bytes(call(claim, DeviceCommand.I2C_READ, new Wire.Out().u8(address).u16(register).u16(n)));
  }

  public void i2cWrite(Capability claim, int address, int register, byte[] data) throws RpcException {
    call(claim, DeviceCommand.I2C_WRITE, new Wire.Out().u8(address).u16(register).bytes(data));
  }

  public byte[] spiTransfer(Capability claim, byte[] out) throws RpcException {
    return bytes(call(claim, DeviceCommand.SPI_TRANSFER, new Wire.Out().bytes(out)));
  }

  /** A sensor's values by name (temperature_c, humidity_pct; ch0..ch7). */
  public Map<String, String> sensorRead(Capability claim) throws RpcException {
    String text = new String(bytes(call(claim, DeviceCommand.SENSOR_READ, new Wire.Out())), StandardCharsets.UTF_8);
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return values;
  }

  /** Emulated boards: press, let go or click ({@link DeviceCommand#CLICK}) a button. */
  public void press(Capability server, String device, int op) throws RpcException {
    call(server, DeviceCommand.PRESS, new Wire.Out().str(device).u8(op));
  }

  public void setAnalog(Capability server, String device, int channel, int value) throws RpcException {
    call(server, DeviceCommand.SET_ANALOG, new Wire.Out().str(device).u8(channel).u16(value));
  }

  /** Ends whatever claim {@code device} has (ADMIN on the server). */
  public void revoke(Capability server, String device) throws RpcException {
    call(server, DeviceCommand.REVOKE, new Wire.Out().str(device));
  }
}
