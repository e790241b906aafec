/**
 * Device servers: a board's pins and buses as objects with capabilities ({@link
 * amoeba.drivers.DeviceServer}, commands {@link amoeba.drivers.DeviceCommand}, rights {@link
 * amoeba.drivers.DeviceRights}), over a small HAL ({@code amoeba.drivers.hal}) with a Pi4J
 * implementation ({@code pi4j}) and a simulated one ({@code sim}).
 */
package amoeba.drivers;
