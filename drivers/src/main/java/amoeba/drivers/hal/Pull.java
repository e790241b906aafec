package amoeba.drivers.hal;

/** An input's pull resistor. With UP an open switch reads high, a pressed one (to ground) low. */
public enum Pull {
  OFF,
  UP,
  DOWN
}
