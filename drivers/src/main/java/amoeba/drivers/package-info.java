/**
 * Device servers for a board's hardware (GPIO, PWM, I2C, SPI) behind a small HAL, with a Pi4J
 * implementation and a simulated one with emulated peripherals. Only this module and boards/
 * touch Pi4J.
 */
package amoeba.drivers;
