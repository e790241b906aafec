/** The HAL over Pi4J 2.8: gpiod and linuxfs on a Pi, Pi4J's mock providers in tests. */
package amoeba.drivers.pi4j;
