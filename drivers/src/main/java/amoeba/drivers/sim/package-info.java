/** The simulated HAL of emulated boards: Pi4J's mock providers plus emulated peripherals. */
package amoeba.drivers.sim;
