package amoeba.drivers.sim;

import amoeba.drivers.hal.HalException;
import amoeba.drivers.hal.SpiDevice;

/**
 * An emulated MCP3008: 8-channel 10-bit ADC on SPI, each channel's value settable (the analog
 * world). Protocol as the data sheet's 3-byte exchange: the host sends {@code 0x01} (start),
 * {@code (single-ended << 7) | (channel << 4)}, {@code 0x00}; the reply's low 2 bits of byte 1
 * and byte 2 are the 10-bit result. Differential mode reads channel pairs' difference (clamped
 * at 0). Any other frame is answered with zeros, as the chip would without a start bit.
 */
public final class Mcp3008 implements SpiDevice {
  public static final int CHANNELS = 8;
  public static final int MAX = 1023;

  private final int[] values = new int[CHANNELS];

  public synchronized void set(int channel, int value) {
    if (channel < 0 || channel >= CHANNELS) {
      throw new HalException("mcp3008 has channels 0..7, not " + channel);
    }
    if (value < 0 || value > MAX) {
      throw new HalException("mcp3008 values are 0..1023, not " + value);
    }
    values[channel] = value;
  }

  public synchronized int get(int channel) {
    return values[channel];
  }

  @Override
  public synchronized byte[] transfer(byte[] out) {
    byte[] in = new byte[out.length];
    if (out.length >= 3 && (out[0] & 0x01) == 1) {
      boolean single = (out[1] & 0x80) != 0;
      int channel = (out[1] >> 4) & 0x07;
      int v = single ? values[channel] : Math.max(0, values[channel] - values[channel ^ 1]);
      in[1] = (byte) ((v >> 8) & 0x03);
      in[2] = (byte) v;
    }
    return in;
  }

  @Override
  public void close() {}
}
