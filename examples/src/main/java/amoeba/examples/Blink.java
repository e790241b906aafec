package amoeba.examples;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;

/**
 * Blinks an LED anywhere in the pool: {@code blink SERVER-CAP DEVICE [TIMES] [PERIOD-MS]}.
 * SERVER-CAP is the device server's capability of the LED's board ({@code amoeba board devices
 * B --cap}); the program claims DEVICE, toggles it TIMES times (default 10) every PERIOD-MS
 * (default 500), and releases it dark. Killed mid-way, the server ends the claim itself.
 */
public final class Blink implements Program {
  @Override
  public int run(ProcessContext ctx) throws Exception {
    if (ctx.args().size() < 2) {
      ctx.stderr().println("usage: blink SERVER-CAP DEVICE [TIMES] [PERIOD-MS]");
      return 2;
    }
    Capability server = CapabilityText.parse(ctx.args().get(0));
    String device = ctx.args().get(1);
    int times = ctx.args().size() > 2 ? Integer.parseInt(ctx.args().get(2)) : 10;
    long periodMs = ctx.args().size() > 3 ? Long.parseLong(ctx.args().get(3)) : 500;
    DeviceCalls devices = new DeviceCalls(ctx);
    Capability led;
    try {
      led = devices.claim(server, device, "blink");
    } catch (DeviceCalls.Failed e) {
      ctx.stderr().println("blink: " + device + ": " + e.getMessage());
      return 1;
    }
    try {
      for (int i = 0; i < times; i++) {
        ctx.stdout().println(device + (devices.write(led, 2) ? " on" : " off"));
        Thread.sleep(periodMs);
      }
    } finally {
      devices.release(led);
    }
    return 0;
  }
}
