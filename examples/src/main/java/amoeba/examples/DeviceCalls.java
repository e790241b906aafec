package amoeba.examples;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.Rights;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.api.ProcessContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The few device-server calls the examples make, as plain RPC (a program sees only the Program
 * API, not drivers/). Wire format and command numbers: {@code amoeba.drivers.DeviceCommand}
 * (DEVICES block 2800): big-endian, strings as u16 length + UTF-8, errors carry their reason
 * as data.
 */
final class DeviceCalls {
  static final int CLAIM = 2802;
  static final int RELEASE = 2803;
  static final int GPIO_WRITE = 2804;
  static final int PWM_SET = 2807;
  static final int SENSOR_READ = 2812;
  static final long TIMEOUT_NANOS = 5_000_000_000L;

  /** A call that came back with an error, its reason in the message. */
  static final class Failed extends Exception {
    private static final long serialVersionUID = 1L;

    Failed(String message) {
      super(message);
    }
  }

  private final ProcessContext ctx;

  DeviceCalls(ProcessContext ctx) {
    this.ctx = ctx;
  }

  private RpcMessage call(Capability cap, int command, ByteBuffer data) throws Failed {
    RpcMessage reply = ctx.ipc().trans(new RpcMessage().capability(cap).command(command).data(data), TIMEOUT_NANOS);
    if (!reply.ok()) {
      byte[] why = new byte[reply.dataLength()];
      reply.data().get(reply.data().position(), why);
      throw new Failed(reply.error().describe() + (why.length == 0 ? "" : ": " + new String(why, StandardCharsets.UTF_8)));
    }
    return reply;
  }

  /**
   * Claims {@code device} of the device server {@code server} for this process: the claim ends
   * when the process does (the server is handed our process capability, READ only).
   */
  Capability claim(Capability server, String device, String holder) throws Failed {
    byte[] name = device.getBytes(StandardCharsets.UTF_8);
    byte[] who = (holder + " (pid " + ctx.pid() + " on " + ctx.board() + ")").getBytes(StandardCharsets.UTF_8);
    Capability self;
    try {
      self = new CheckScheme(new SecureRandom()).restrict(ctx.self(), Rights.READ);
    } catch (amoeba.capabilities.NeedsServerException e) {
      throw new Failed("our process capability is not an owner capability");
    }
    ByteBuffer d = ByteBuffer.allocate(2 + name.length + 2 + who.length + 1 + Capability.SIZE);
    d.putShort((short) name.length).put(name).putShort((short) who.length).put(who).put((byte) 1)
        .put(self.toBytes()).flip();
    return call(server, CLAIM, d).capability();
  }

  void release(Capability claim) throws Failed {
    call(claim, RELEASE, ByteBuffer.wrap(new byte[] {0}));
  }

  /** op: 0 low, 1 high, 2 toggle. @return the level after */
  boolean write(Capability claim, int op) throws Failed {
    RpcMessage reply = call(claim, GPIO_WRITE, ByteBuffer.allocate(5).put((byte) op).putInt(0).flip());
    return reply.data().get(reply.data().position()) == 1;
  }

  /** Duty in hundredths of a percent. */
  void pwm(Capability claim, int frequencyHz, int dutyCentiPercent) throws Failed {
    call(claim, PWM_SET, ByteBuffer.allocate(6).putInt(frequencyHz).putShort((short) dutyCentiPercent).flip());
  }

  Map<String, String> sensor(Capability claim) throws Failed {
    RpcMessage reply = call(claim, SENSOR_READ, ByteBuffer.allocate(0));
    byte[] b = new byte[reply.dataLength()];
    reply.data().get(reply.data().position(), b);
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return values;
  }
}
