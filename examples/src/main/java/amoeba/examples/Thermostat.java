package amoeba.examples;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import java.util.Locale;

/**
 * A thermostat that runs on any board: reads a temperature sensor on one board and drives a PWM
 * fan on another. {@code thermostat SENSOR-SERVER-CAP SENSOR FAN-SERVER-CAP FAN [TARGET-C]
 * [ROUNDS] [PERIOD-MS]}: every PERIOD-MS (default 1000) for ROUNDS rounds (default 10, 0:
 * until killed) the fan's duty is proportional to how far the temperature is above TARGET-C
 * (default 22): 0 % at the target, 100 % at 5 C above it, at 25 kHz. Both devices are claimed
 * for this process (released when it ends, the fan off).
 */
public final class Thermostat implements Program {
  static final int FAN_HZ = 25_000;
  static final double FULL_SPEED_ABOVE_C = 5.0;

  @Override
  public int run(ProcessContext ctx) throws Exception {
    if (ctx.args().size() < 4) {
      ctx.stderr().println("usage: thermostat SENSOR-SERVER-CAP SENSOR FAN-SERVER-CAP FAN [TARGET-C] [ROUNDS] [PERIOD-MS]");
      return 2;
    }
    Capability sensorServer = CapabilityText.parse(ctx.args().get(0));
    Capability fanServer = CapabilityText.parse(ctx.args().get(2));
    double target = ctx.args().size() > 4 ? Double.parseDouble(ctx.args().get(4)) : 22.0;
    int rounds = ctx.args().size() > 5 ? Integer.parseInt(ctx.args().get(5)) : 10;
    long periodMs = ctx.args().size() > 6 ? Long.parseLong(ctx.args().get(6)) : 1000;
    DeviceCalls devices = new DeviceCalls(ctx);
    Capability sensor;
    Capability fan;
    try {
      sensor = devices.claim(sensorServer, ctx.args().get(1), "thermostat");
      fan = devices.claim(fanServer, ctx.args().get(3), "thermostat");
    } catch (DeviceCalls.Failed e) {
      ctx.stderr().println("thermostat: " + e.getMessage());
      return 1;
    }
    try {
      for (int i = 0; rounds == 0 || i < rounds; i++) {
        double celsius = Double.parseDouble(devices.sensor(sensor).get("temperature_c"));
        double share = Math.max(0, Math.min(1, (celsius - target) / FULL_SPEED_ABOVE_C));
        int duty = (int) Math.round(share * 10_000);
        devices.pwm(fan, FAN_HZ, duty);
        ctx.stdout().println(String.format(Locale.ROOT, "%.2f C -> fan %.1f %%", celsius, duty / 100.0));
        Thread.sleep(periodMs);
      }
    } finally {
      devices.release(sensor);
      devices.release(fan);
    }
    return 0;
  }
}
