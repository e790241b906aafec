package amoeba.flip.mqtt;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link MqttNetwork} attaches to a broker. Times in milliseconds, sizes in bytes.
 *
 * @param brokerUrls {@code tcp://host:port} or {@code ssl://host:port} (all of one kind); more
 *     than one means failover: every (re)connect tries them in order
 * @param username the broker user name, or null for anonymous
 * @param password the broker password, or null; kept as given (a char[] would not be safer in a
 *     record that lives as long as the network)
 * @param caFile a PEM file of CA certificates trusted for {@code ssl://} brokers, or null for the
 *     JVM's default trust store
 * @param keepAliveSeconds MQTT keepalive: a silent dead broker is noticed after about 1.5 times
 *     this; 0 turns it off
 * @param clientIdPrefix the start of this box's client id; a random 12-hex-digit suffix makes it
 *     unique per network instance. Letters, digits, '-' and '_' only, at most 11 characters, so
 *     the id fits the 23 characters every MQTT 3.1.1 broker must accept
 * @param topicPrefix every topic starts with this; ends with '/', no wildcards. Default
 *     {@code amoeba/<pool id>/}
 * @param maxPacketBytes the largest FLIP packet (header, payload, tag) carried in one message
 * @param connectTimeoutMs the longest a (re)connect to one broker URL may take; Paho counts in
 *     whole seconds, so this is rounded up to a second
 * @param maxInflight publishes handed to Paho and not yet written to the socket before further
 *     sends are counted as drops (Paho's default of 10 is far too low even at QoS 0)
 * @param inboxPackets received packets queued for {@link MqttNetwork#receive} before drops
 * @param reconnectMinDelayMs the first reconnect attempt after a lost connection waits this
 * @param reconnectMaxDelayMs later attempts double the wait up to this (plus up to 25% jitter);
 *     it bounds how long after the broker's return the box reconnects
 */
public record MqttConfig(
    List<String> brokerUrls,
    String username,
    String password,
    Path caFile,
    int keepAliveSeconds,
    String clientIdPrefix,
    String topicPrefix,
    int maxPacketBytes,
    int connectTimeoutMs,
    int maxInflight,
    int inboxPackets,
    int reconnectMinDelayMs,
    int reconnectMaxDelayMs) {

  /** Same as UDP on a LAN, so a router between the two never has to re-fragment. */
  public static final int DEFAULT_MAX_PACKET_BYTES = 1472;

  /** Deep enough for a 4 MiB message in 1400-byte fragments: FLIP has no flow control. */
  public static final int DEFAULT_INBOX_PACKETS = 8192;

  /** MQTT 3.1.1 lets a server refuse client ids longer than 23 characters. */
  static final int MAX_CLIENT_ID_CHARS = 23;

  /** Random hex digits appended to the prefix (48 bits: collisions are negligible per pool). */
  static final int CLIENT_ID_SUFFIX_CHARS = 12;

  public MqttConfig {
    brokerUrls = List.copyOf(brokerUrls);
    Objects.requireNonNull(clientIdPrefix, "clientIdPrefix");
    Objects.requireNonNull(topicPrefix, "topicPrefix");
    if (brokerUrls.isEmpty()) {
      throw new IllegalArgumentException("at least one broker URL is needed");
    }
    for (String url : brokerUrls) {
      checkUrl(url);
    }
    // Paho takes one socket factory for all URLs, plain or TLS; and a plain fallback would
    // quietly drop the encryption the TLS URLs ask for.
    if (brokerUrls.stream().map(u -> u.startsWith("ssl:")).distinct().count() > 1) {
      throw new IllegalArgumentException(
          "broker URLs must be all tcp:// or all ssl://: " + brokerUrls);
    }
    if (!clientIdPrefix.matches("[A-Za-z0-9_-]*")
        || clientIdPrefix.length() > MAX_CLIENT_ID_CHARS - CLIENT_ID_SUFFIX_CHARS) {
      throw new IllegalArgumentException(
          "clientIdPrefix must be at most " + (MAX_CLIENT_ID_CHARS - CLIENT_ID_SUFFIX_CHARS)
              + " letters, digits, '-' or '_': '" + clientIdPrefix + "'");
    }
    if (topicPrefix.isEmpty() || !topicPrefix.endsWith("/") || topicPrefix.startsWith("$")
        || topicPrefix.indexOf('+') >= 0 || topicPrefix.indexOf('#') >= 0
        || topicPrefix.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "topicPrefix must end with '/', not start with '$' and hold no '+', '#' or NUL: '"
              + topicPrefix + "'");
    }
    if (keepAliveSeconds < 0 || keepAliveSeconds > 65535) {
      throw new IllegalArgumentException("keepAliveSeconds must be 0..65535: " + keepAliveSeconds);
    }
    if (maxPacketBytes < 64 || maxPacketBytes > 1 << 20) {
      throw new IllegalArgumentException("maxPacketBytes must be 64..1 MiB: " + maxPacketBytes);
    }
    if (connectTimeoutMs < 1) {
      throw new IllegalArgumentException("connectTimeoutMs must be positive: " + connectTimeoutMs);
    }
    if (maxInflight < 1 || inboxPackets < 1) {
      throw new IllegalArgumentException("maxInflight and inboxPackets must be positive");
    }
    if (reconnectMinDelayMs < 1 || reconnectMaxDelayMs < reconnectMinDelayMs) {
      throw new IllegalArgumentException(
          "need 1 <= reconnectMinDelayMs <= reconnectMaxDelayMs: " + reconnectMinDelayMs + ", "
              + reconnectMaxDelayMs);
    }
  }

  private static void checkUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a broker URL: " + url, e);
    }
    if (!"tcp".equals(uri.getScheme()) && !"ssl".equals(uri.getScheme())) {
      throw new IllegalArgumentException("broker URL must be tcp:// or ssl://: " + url);
    }
    if (uri.getHost() == null || uri.getPort() < 1) {
      throw new IllegalArgumentException("broker URL needs a host and a port: " + url);
    }
  }

  /** True if any broker URL uses TLS. */
  public boolean usesTls() {
    return brokerUrls.stream().anyMatch(u -> u.startsWith("ssl:"));
  }

  /** The default topic prefix of a pool: {@code amoeba/<poolId>/}. */
  public static String defaultTopicPrefix(int poolId) {
    return "amoeba/" + Integer.toUnsignedString(poolId) + "/";
  }

  /** A builder for one broker URL (more via {@link Builder#brokerUrls}). */
  public static Builder builder(String brokerUrl) {
    return new Builder().brokerUrls(List.of(brokerUrl));
  }

  /** {@code password} is hidden. */
  @Override
  public String toString() {
    return "MqttConfig[brokers=" + brokerUrls + ", user=" + username
        + ", password=" + (password == null ? "none" : "set") + ", ca=" + caFile
        + ", keepAlive=" + keepAliveSeconds + "s, clientIdPrefix=" + clientIdPrefix
        + ", topicPrefix=" + topicPrefix + ", maxPacket=" + maxPacketBytes
        + ", connectTimeout=" + connectTimeoutMs + "ms, maxInflight=" + maxInflight
        + ", inbox=" + inboxPackets + ", reconnect=" + reconnectMinDelayMs + ".."
        + reconnectMaxDelayMs + "ms]";
  }

  /** Mutable builder; every field starts at a sensible default. */
  public static final class Builder {
    private List<String> brokerUrls = List.of();
    private String username;
    private String password;
    private Path caFile;
    private int keepAliveSeconds = 10;
    private String clientIdPrefix = "amb-";
    private String topicPrefix = defaultTopicPrefix(1);
    private int maxPacketBytes = DEFAULT_MAX_PACKET_BYTES;
    private int connectTimeoutMs = 5_000;
    private int maxInflight = 1000;
    private int inboxPackets = DEFAULT_INBOX_PACKETS;
    private int reconnectMinDelayMs = 100;
    // Attempts at most ~2.5 s apart: the box is back within 5 s of the broker (issue 6).
    private int reconnectMaxDelayMs = 2_000;

    private Builder() {}

    public Builder brokerUrls(List<String> urls) {
      this.brokerUrls = urls;
      return this;
    }

    /** Sets user name and password together; nulls for anonymous. */
    public Builder credentials(String username, String password) {
      this.username = username;
      this.password = password;
      return this;
    }

    public Builder caFile(Path pemFile) {
      this.caFile = pemFile;
      return this;
    }

    public Builder keepAliveSeconds(int seconds) {
      this.keepAliveSeconds = seconds;
      return this;
    }

    public Builder clientIdPrefix(String prefix) {
      this.clientIdPrefix = prefix;
      return this;
    }

    /** Sets the topic prefix to the pool's default, {@code amoeba/<poolId>/}. */
    public Builder pool(int poolId) {
      this.topicPrefix = defaultTopicPrefix(poolId);
      return this;
    }

    public Builder topicPrefix(String prefix) {
      this.topicPrefix = prefix;
      return this;
    }

    public Builder maxPacketBytes(int bytes) {
      this.maxPacketBytes = bytes;
      return this;
    }

    public Builder connectTimeoutMs(int ms) {
      this.connectTimeoutMs = ms;
      return this;
    }

    public Builder maxInflight(int publishes) {
      this.maxInflight = publishes;
      return this;
    }

    public Builder inboxPackets(int packets) {
      this.inboxPackets = packets;
      return this;
    }

    public Builder reconnectDelayMs(int minMs, int maxMs) {
      this.reconnectMinDelayMs = minMs;
      this.reconnectMaxDelayMs = maxMs;
      return this;
    }

    public MqttConfig build() {
      return new MqttConfig(
          brokerUrls, username, password, caFile, keepAliveSeconds, clientIdPrefix, topicPrefix,
          maxPacketBytes, connectTimeoutMs, maxInflight, inboxPackets, reconnectMinDelayMs,
          reconnectMaxDelayMs);
    }
  }
}
