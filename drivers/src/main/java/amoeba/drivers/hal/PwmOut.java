package amoeba.drivers.hal;

/** A hardware PWM channel. Duty in hundredths of a percent (0..10000), frequency in Hz. */
public interface PwmOut extends AutoCloseable {
  /** Starts (or changes) the output; a duty of 0 is off. */
  void set(int frequencyHz, int dutyCentiPercent);

  int frequencyHz();

  int dutyCentiPercent();

  @Override
  void close();
}
