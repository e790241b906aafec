/**
 * FLIP, the Fast Local Internet Protocol: location-independent 64-bit addresses, the packet
 * header, the FLIP box of each board (endpoints, hint cache, locate / here-is / not-here),
 * fragmentation and reassembly, packet authentication, and the networks that carry packets: UDP
 * (multicast and unicast), in-JVM loopback, a seeded fault-injecting wrapper, and later MQTT.
 * Only this module touches sockets and Paho.
 */
package amoeba.flip;
