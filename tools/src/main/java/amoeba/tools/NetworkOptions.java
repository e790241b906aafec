package amoeba.tools;

import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.flip.mqtt.MqttConfig;
import amoeba.flip.mqtt.MqttNetwork;
import amoeba.flip.net.Network;
import amoeba.flip.net.UdpConfig;
import amoeba.flip.net.UdpNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * How a command attaches to the pool's network, shared by every command that opens a FLIP box.
 * The defaults are the safe single-host ones: loopback, TTL 0 (shared/reference/test-hosts.md).
 */
final class NetworkOptions {
  enum Transport {
    udp,
    mqtt
  }

  @Option(names = "--transport", defaultValue = "udp",
      description = "udp (multicast on a LAN) or mqtt (through a broker) (default: ${DEFAULT-VALUE}).")
  Transport transport;

  @Option(names = "--broker", paramLabel = "URL", split = ",",
      description = "MQTT broker URL(s), tcp://host:port or ssl://host:port; several for failover.")
  List<String> brokers;

  @Option(names = "--broker-user", description = "MQTT user name.")
  String brokerUser;

  @Option(names = "--broker-password-file", paramLabel = "FILE", description = "File holding the MQTT password.")
  Path brokerPasswordFile;

  @Option(names = "--broker-ca", paramLabel = "FILE", description = "CA certificate (PEM) for ssl:// brokers.")
  Path brokerCa;

  @Option(names = "--interface", defaultValue = "lo", description = "Multicast interface (default: ${DEFAULT-VALUE}).")
  String interfaceName;

  @Option(names = "--group", defaultValue = UdpConfig.DEFAULT_GROUP, description = "Multicast group (default: ${DEFAULT-VALUE}).")
  String group;

  @Option(names = "--group-port", defaultValue = "7700", description = "Multicast port (default: ${DEFAULT-VALUE}).")
  int groupPort;

  @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Unicast address (default: ${DEFAULT-VALUE}).")
  String bind;

  @Option(names = "--bind-port", defaultValue = "0", description = "Unicast port, 0 for any (default: ${DEFAULT-VALUE}).")
  int bindPort;

  @Option(names = "--ttl", defaultValue = "0", description = "Multicast TTL: 0 stays on this host, 1 on the link (default: ${DEFAULT-VALUE}).")
  int ttl;

  @Option(names = "--packet-bytes", defaultValue = "1472", description = "Largest datagram (default: ${DEFAULT-VALUE}; up to 65507 on loopback).")
  int packetBytes;

  @Option(names = "--pool-id", defaultValue = "1", description = "Pool number (default: ${DEFAULT-VALUE}).")
  int poolId;

  @Option(names = "--pool-key", paramLabel = "FILE", description = "File holding the pool key (hex or raw, >= 16 bytes).")
  Path poolKeyFile;

  /** A key given on the command line by a parent benchmark to its child; hidden from users. */
  @Option(names = "--pool-key-hex", hidden = true)
  String poolKeyHex;

  UdpConfig udpConfig() {
    return UdpConfig.builder()
        .interfaceName(interfaceName)
        .group(group)
        .groupPort(groupPort)
        .bindAddress(bind)
        .bindPort(bindPort)
        .ttl(ttl)
        .maxPacketBytes(packetBytes)
        .build();
  }

  BoxConfig boxConfig() {
    BoxConfig c = BoxConfig.defaults(poolId);
    byte[] key = poolKey();
    return key == null ? c : c.withPoolKey(key);
  }

  byte[] poolKey() {
    if (poolKeyHex != null) {
      return HexFormat.of().parseHex(poolKeyHex);
    }
    if (poolKeyFile == null) {
      return null;
    }
    try {
      byte[] raw = Files.readAllBytes(poolKeyFile);
      String text = new String(raw, java.nio.charset.StandardCharsets.US_ASCII).trim();
      if (text.matches("[0-9a-fA-F]{32,}") && text.length() % 2 == 0) {
        return HexFormat.of().parseHex(text);
      }
      return raw;
    } catch (IOException e) {
      throw new CliFailure("cannot read pool key " + poolKeyFile + ": " + e.getMessage());
    }
  }

  MqttConfig mqttConfig() {
    if (brokers == null || brokers.isEmpty()) {
      throw new CliFailure("--transport mqtt needs --broker tcp://host:port");
    }
    MqttConfig.Builder b = MqttConfig.builder(brokers.get(0)).brokerUrls(brokers).pool(poolId);
    if (brokerUser != null) {
      try {
        String password = brokerPasswordFile == null ? "" : Files.readString(brokerPasswordFile).trim();
        b.credentials(brokerUser, password);
      } catch (IOException e) {
        throw new CliFailure("cannot read " + brokerPasswordFile + ": " + e.getMessage());
      }
    }
    if (brokerCa != null) {
      b.caFile(brokerCa);
    }
    return b.build();
  }

  Network openNetwork() throws IOException {
    return transport == Transport.mqtt ? new MqttNetwork(mqttConfig()) : new UdpNetwork(udpConfig());
  }

  FlipBox openBox() {
    try {
      return new FlipBox(boxConfig(), List.of(openNetwork()), new SecureRandom());
    } catch (IOException e) {
      throw new CliFailure("cannot open the network: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new CliFailure(e.getMessage(), e);
    }
  }
}
