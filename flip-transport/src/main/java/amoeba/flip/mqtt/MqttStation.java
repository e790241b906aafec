package amoeba.flip.mqtt;

import amoeba.flip.net.Station;
import java.util.Objects;

/**
 * A station on a {@link MqttNetwork}: the peer's MQTT client id, which is also the last level of
 * its unicast topic. Value equality, so a station learned from a received packet equals one
 * built by hand.
 */
public record MqttStation(String clientId) implements Station {

  public MqttStation {
    Objects.requireNonNull(clientId, "clientId");
    if (!MqttFrame.validClientId(clientId)) {
      throw new IllegalArgumentException("not a usable client id: '" + clientId + "'");
    }
  }

  /** {@code mqtt:amb-0123456789ab}. */
  @Override
  public String toString() {
    return "mqtt:" + clientId;
  }
}
