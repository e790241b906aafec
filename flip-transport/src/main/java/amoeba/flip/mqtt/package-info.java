/**
 * FLIP over MQTT 3.1.1 brokers (Eclipse Paho mqttv3): {@link amoeba.flip.mqtt.MqttNetwork}, its
 * {@link amoeba.flip.mqtt.MqttConfig}, {@link amoeba.flip.mqtt.MqttStation} and the message
 * framing {@link amoeba.flip.mqtt.MqttFrame}. A package of its own so that Paho is imported here
 * and nowhere else: the rest of FLIP sees only {@link amoeba.flip.net.Network}.
 */
package amoeba.flip.mqtt;
