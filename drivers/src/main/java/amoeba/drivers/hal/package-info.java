/**
 * The hardware abstraction: one small interface per device kind (digital out, digital in with
 * pull, debounce and edge watch, PWM, I2C, SPI) behind {@link amoeba.drivers.hal.Hal}.
 */
package amoeba.drivers.hal;
