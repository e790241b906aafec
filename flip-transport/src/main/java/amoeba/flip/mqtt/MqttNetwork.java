package amoeba.flip.mqtt;

import amoeba.flip.net.Network;
import amoeba.flip.net.PacketQueue;
import amoeba.flip.net.Station;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.tinylog.Logger;

/**
 * FLIP over an MQTT 3.1.1 broker (Eclipse Paho mqttv3), for pools that span subnets or WiFi
 * that drops multicast. QoS 0 (reliability lives above FLIP, as on UDP), and the packets are the
 * same bytes as on UDP, authentication tag included, framed by {@link MqttFrame} so that the
 * receiver learns the sender's station.
 *
 * <p>Topics, under the configured prefix P (default {@code amoeba/<pool id>/}):
 *
 * <ul>
 *   <li>{@code P box/<client id>}: unicast to one station; each network subscribes to its own;
 *   <li>{@code P all}: broadcast (LOCATE, and MULTIDATA for every group: the {@link Network}
 *       interface has no group membership, so the box filters groups itself, as it does on UDP
 *       where every box hears the one IP multicast group).
 * </ul>
 *
 * A broadcast comes back to its sender too, as the {@link Network} contract asks.
 *
 * <p>Threads: Paho runs one callback thread per client, behind a queue of 10. {@code
 * messageArrived} only validates the frame and puts the payload array (Paho allocates a fresh one
 * per message) into a bounded inbox; a full inbox is a counted drop, never a wait. {@link
 * #receive} takes from the inbox. Reconnection is this class's own thread, not Paho's automatic
 * reconnect: Paho keeps its reconnect delay in a static field shared by every client of the JVM,
 * waits 1 s before its first attempt, and leaves its timer thread behind when the client is
 * closed during an outage.
 *
 * <p>Broker down: sends are counted drops ({@link #disconnectedDrops()}), never waits, never
 * exceptions (except {@link ClosedChannelException} after {@link #close()}). The reconnect thread
 * tries every {@code reconnectMinDelayMs}, doubling to {@code reconnectMaxDelayMs} (+ up to 25%
 * jitter), and resubscribes on every connect (in {@code connectComplete}). Loss and recovery are
 * logged once each; failed attempts only at debug level.
 *
 * <p>Per-packet cost: a send allocates the frame and Paho's message and token objects; a receive
 * allocates nothing of ours beyond Paho's message (the sender's station is cached).
 */
public final class MqttNetwork implements Network {

  /** FLIP packets are datagrams: at most once, and nothing for the broker to store. */
  private static final int QOS = 0;

  /** A SUBACK return code meaning the broker refused that filter. */
  private static final int SUBSCRIPTION_REFUSED = 0x80;

  /** Bound on the sender-id-to-station cache; a flood of forged ids only costs a clear. */
  private static final int MAX_CACHED_STATIONS = 4096;

  /** How long close() waits for Paho's DISCONNECT to go out, ms. */
  private static final long CLOSE_WAIT_MS = 1_000;

  private static final SecureRandom ID_RANDOM = new SecureRandom();

  private final MqttConfig config;
  private final String clientId;
  private final MqttStation self;
  private final byte[] selfId;
  private final String name;
  private final String unicastPrefix;
  private final String broadcastTopic;
  private final String[] subscriptions;
  private final MqttConnectOptions options;
  private final MqttAsyncClient client;
  /** The longest one connect (all URLs) and its subscription may take, ms. */
  private final long connectWaitMs;
  private final ConcurrentHashMap<String, MqttStation> stations = new ConcurrentHashMap<>();

  private final AtomicLong disconnectedDrops = new AtomicLong();
  private final AtomicLong inflightDrops = new AtomicLong();
  private final AtomicLong sendFailures = new AtomicLong();
  private final AtomicLong oversizeDrops = new AtomicLong();
  private final AtomicLong foreignStationDrops = new AtomicLong();
  private final AtomicLong malformedDrops = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();

  // Connection state, guarded by stateLock. Invariant: lost means the reconnect thread owns the
  // client's connect calls; closed is final.
  private final Object stateLock = new Object();
  private boolean lost;
  private long lostAtNanos;
  private volatile boolean closed;
  /** Completed by the subscription of the connect in progress; replaced before each connect. */
  private volatile CompletableFuture<Void> subscribed = new CompletableFuture<>();
  private Thread reconnector;

  // Paho's payload arrays, fresh per message, adopted without a copy.
  private final PacketQueue<MqttStation> inbox;

  // The last sender seen, so the common case finds its station without building a String.
  // Touched only by Paho's callback thread.
  private byte[] lastSenderId = new byte[0];
  private MqttStation lastSender;

  /**
   * Connects to the broker (trying the URLs in order) and subscribes to this station's topic and
   * the broadcast topic; returns once both are acknowledged.
   *
   * @throws IOException if no broker accepts the connection within the connect timeout; the
   *     message names the cause (refused, bad user name or password, not authorized, TLS
   *     handshake, timeout) and the URLs. Nothing is left running.
   */
  public MqttNetwork(MqttConfig config) throws IOException {
    this.config = config;
    byte[] suffix = new byte[MqttConfig.CLIENT_ID_SUFFIX_CHARS / 2];
    ID_RANDOM.nextBytes(suffix);
    this.clientId = config.clientIdPrefix() + HexFormat.of().formatHex(suffix);
    this.self = new MqttStation(clientId);
    this.selfId = MqttFrame.idBytes(clientId);
    this.name = "mqtt:" + clientId + "@" + String.join(",", config.brokerUrls());
    this.unicastPrefix = config.topicPrefix() + "box/";
    this.broadcastTopic = config.topicPrefix() + "all";
    this.subscriptions = new String[] {unicastPrefix + clientId, broadcastTopic};
    this.inbox = new PacketQueue<>(config.inboxPackets());
    stations.put(clientId, self);

    int timeoutSeconds = (int) Math.min(Integer.MAX_VALUE, (config.connectTimeoutMs() + 999L) / 1000);
    this.connectWaitMs = 1000L * timeoutSeconds * config.brokerUrls().size() + 1000L;
    options = new MqttConnectOptions();
    options.setServerURIs(config.brokerUrls().toArray(new String[0]));
    // 3.1.1 only: Paho would otherwise retry a refused connect as 3.1 and report that error.
    options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    options.setCleanSession(true);
    options.setAutomaticReconnect(false); // ours: see the class comment
    options.setConnectionTimeout(timeoutSeconds);
    options.setKeepAliveInterval(config.keepAliveSeconds());
    options.setMaxInflight(config.maxInflight());
    if (config.username() != null) {
      options.setUserName(config.username());
    }
    if (config.password() != null) {
      options.setPassword(config.password().toCharArray());
    }
    // Without Nagle's delay (NoDelaySockets); TLS trusts the CA file, or the JVM's default CAs.
    if (!config.usesTls()) {
      options.setSocketFactory(NoDelaySockets.plain());
    } else if (config.caFile() != null) {
      options.setSocketFactory(NoDelaySockets.tls(trusting(config)));
    } else {
      options.setSocketFactory(NoDelaySockets.tls((SSLSocketFactory) SSLSocketFactory.getDefault()));
    }

    try {
      // MemoryPersistence: the default persistence writes files into the working directory.
      client = new MqttAsyncClient(config.brokerUrls().get(0), clientId, new MemoryPersistence());
    } catch (MqttException e) {
      throw new IOException(name + ": cannot create the MQTT client: " + e, e);
    }
    client.setCallback(new Callbacks());
    try {
      connectOnce();
    } catch (IOException e) {
      closeClient();
      throw e;
    }
    Logger.info("{}: connected to {}", name, client.getCurrentServerURI());
    reconnector = new Thread(this::reconnectLoop, "flip-mqtt-reconnect-" + clientId);
    reconnector.setDaemon(true);
    reconnector.start();
  }

  private static SSLSocketFactory trusting(MqttConfig config) throws IOException {
    try (InputStream in = Files.newInputStream(config.caFile())) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) {
        throw new IOException("no certificate in CA file " + config.caFile() + " (MqttConfig.caFile)");
      }
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int i = 0;
      for (Certificate c : certificates) {
        trusted.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      return tls.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "cannot use CA file " + config.caFile() + " (MqttConfig.caFile): " + e.getMessage(), e);
    }
  }

  // ---- connection ---------------------------------------------------------------------------

  /** Connects and waits for the subscription; on failure the client is disconnected again. */
  private void connectOnce() throws IOException {
    CompletableFuture<Void> subscription = new CompletableFuture<>();
    subscribed = subscription;
    long start = System.nanoTime();
    try {
      client.connect(options).waitForCompletion(connectWaitMs);
      long leftMs = connectWaitMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      subscription.get(Math.max(1, leftMs), TimeUnit.MILLISECONDS);
    } catch (MqttException e) {
      abortConnect();
      throw new IOException(describe(e), e);
    } catch (ExecutionException e) {
      abortConnect();
      Throwable cause = e.getCause();
      throw new IOException(
          name + ": subscribing to " + String.join(", ", subscriptions) + " failed: " + cause,
          cause);
    } catch (TimeoutException e) {
      abortConnect();
      throw new IOException(
          name + ": the broker did not acknowledge the subscription within " + connectWaitMs
              + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abortConnect();
      throw new IOException(name + ": interrupted while connecting", e);
    }
  }

  /** Leaves the client disconnected (not closed) after a failed or timed-out connect. */
  private void abortConnect() {
    try {
      if (client.isConnected()) {
        client.disconnectForcibly(0, CLOSE_WAIT_MS, false);
      }
    } catch (MqttException e) {
      Logger.debug("{}: abort connect: {}", name, e.toString());
    }
  }

  /** A message that names the cause and what to fix. */
  private String describe(MqttException e) {
    String brokers = String.join(", ", config.brokerUrls());
    switch (e.getReasonCode()) {
      case MqttException.REASON_CODE_FAILED_AUTHENTICATION:
      case MqttException.REASON_CODE_NOT_AUTHORIZED:
        // mosquitto answers a wrong password with "not authorized" (5), others with 4.
        return brokers + ": the broker refused the connection: " + e.getMessage()
            + (config.username() == null
                ? " (no user name given: does the broker require one? MqttConfig credentials)"
                : " (wrong password for user '" + config.username()
                    + "', or the user may not connect: MqttConfig credentials)");
      case MqttException.REASON_CODE_INVALID_CLIENT_ID:
        return brokers + ": the broker refused client id '" + clientId
            + "' (MqttConfig.clientIdPrefix): " + e.getMessage();
      case MqttException.REASON_CODE_CLIENT_TIMEOUT:
        return brokers + ": no connection within " + connectWaitMs
            + " ms (MqttConfig.connectTimeoutMs)";
      default:
        break;
    }
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof CertificateException) {
        // PKIX: no path to a trusted CA; or the certificate does not name the broker's host.
        return brokers + ": TLS: the broker's certificate was rejected: " + rootMessage(t)
            + (config.caFile() == null
                ? " (no CA file given, so only the JVM's default CAs are trusted: pass the CA"
                    + " that signed it, MqttConfig.caFile / --broker-ca)"
                : " (is it signed by the CA in " + config.caFile() + " and issued for this host"
                    + " name or IP? MqttConfig.caFile / --broker-ca)");
      }
    }
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return brokers + ": TLS handshake failed (an ssl:// URL on a plain listener, or a broker"
            + " certificate not signed by MqttConfig.caFile?): " + t;
      }
    }
    Throwable cause = e.getCause();
    if (config.usesTls() && cause instanceof IOException && !(cause instanceof ConnectException)
        && !(cause instanceof UnknownHostException)) {
      // TCP got through (not refused), then the connection died before MQTT began: a plain
      // listener resets the connection on a TLS ClientHello.
      return brokers + ": TLS handshake failed: the connection was cut during it (an ssl:// URL on"
          + " a plain tcp listener?): " + cause;
    }
    return brokers + ": cannot connect: " + e.getMessage()
        + (cause == null ? "" : " (" + cause + ")");
  }

  /** The innermost cause's message, on one line: that is where the JDK says what it checked. */
  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String m = root.getMessage() == null ? root.toString() : root.getMessage();
    return m.replace('\n', ' ');
  }

  /**
   * The reconnect thread: waits for a lost connection, then retries with backoff until it is
   * back or the network is closed.
   */
  private void reconnectLoop() {
    SplittableRandom jitter = new SplittableRandom();
    long delayMs = config.reconnectMinDelayMs();
    long lostAt;
    for (; ; ) {
      synchronized (stateLock) {
        while (!lost && !closed) {
          try {
            stateLock.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        lostAt = lostAtNanos;
      }
      if (!pause(delayMs + jitter.nextLong(delayMs / 4 + 1))) {
        return;
      }
      try {
        connectOnce();
      } catch (IOException e) {
        Logger.debug("{}: reconnect failed: {}", name, e.getMessage());
        delayMs = Math.min(delayMs * 2, config.reconnectMaxDelayMs());
        continue;
      }
      synchronized (stateLock) {
        if (lostAtNanos != lostAt) {
          continue; // lost again meanwhile (connectionLost ran after our connect): go on trying
        }
        lost = false;
      }
      delayMs = config.reconnectMinDelayMs();
      reconnects.incrementAndGet();
      Logger.info(
          "{}: reconnected to {} after {} ms; {} sends dropped while disconnected so far", name,
          client.getCurrentServerURI(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lostAt),
          disconnectedDrops.get());
    }
  }

  /** Waits {@code ms} or until closed; false if closed. */
  private boolean pause(long ms) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
    synchronized (stateLock) {
      for (; ; ) {
        if (closed) {
          return false;
        }
        long leftNs = deadline - System.nanoTime();
        if (leftNs <= 0) {
          return true;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(stateLock, leftNs);
        } catch (InterruptedException e) {
          return false;
        }
      }
    }
  }

  /** Paho's callbacks: on its one callback thread, so none of them may block. */
  private final class Callbacks implements MqttCallbackExtended {
    @Override
    public void connectComplete(boolean reconnect, String serverUri) {
      // Clean session: the broker forgot our subscriptions, so subscribe on every connect.
      // Asynchronously: waiting for the SUBACK here would stall the thread that delivers it.
      CompletableFuture<Void> done = subscribed;
      try {
        client.subscribe(subscriptions, new int[] {QOS, QOS}, null, new IMqttActionListener() {
          @Override
          public void onSuccess(IMqttToken token) {
            int[] granted = token.getGrantedQos();
            for (int g : granted) {
              if (g == SUBSCRIPTION_REFUSED) {
                done.completeExceptionally(new IOException(
                    "the broker refused the subscription (ACL for " + config.topicPrefix()
                        + "#?)"));
                return;
              }
            }
            done.complete(null);
          }

          @Override
          public void onFailure(IMqttToken token, Throwable e) {
            done.completeExceptionally(e);
          }
        });
      } catch (MqttException e) {
        done.completeExceptionally(e);
      }
    }

    @Override
    public void connectionLost(Throwable cause) {
      synchronized (stateLock) {
        if (closed) {
          return;
        }
        lost = true;
        lostAtNanos = System.nanoTime();
        stateLock.notifyAll();
      }
      Logger.warn("{}: connection to the broker lost ({}); sends are dropped until it is back,"
          + " retrying every {}..{} ms", name, cause, config.reconnectMinDelayMs(),
          config.reconnectMaxDelayMs());
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      deliver(message.getPayload()); // never throws: an exception would make Paho disconnect
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {}
  }

  /** Validates a frame and queues it; counts what it drops. Paho's callback thread only. */
  private void deliver(byte[] frame) {
    int offset = MqttFrame.packetOffset(frame, frame.length);
    if (offset < 0) {
      malformedDrops.incrementAndGet();
      return;
    }
    MqttStation from = sender(frame, offset);
    inbox.offerArray(frame, offset, from);
  }

  private MqttStation sender(byte[] frame, int idEnd) {
    if (Arrays.equals(frame, MqttFrame.ID_OFFSET, idEnd, lastSenderId, 0, lastSenderId.length)) {
      return lastSender;
    }
    String id = MqttFrame.senderId(frame);
    MqttStation s = stations.get(id);
    if (s == null) {
      if (stations.size() >= MAX_CACHED_STATIONS) {
        stations.clear();
        stations.put(clientId, self);
      }
      s = stations.computeIfAbsent(id, MqttStation::new);
    }
    lastSenderId = Arrays.copyOfRange(frame, MqttFrame.ID_OFFSET, idEnd);
    lastSender = s;
    return s;
  }

  // ---- Network --------------------------------------------------------------------------------

  @Override
  public String name() {
    return name;
  }

  @Override
  public MqttStation self() {
    return self;
  }

  @Override
  public int maxPacketBytes() {
    return config.maxPacketBytes();
  }

  public MqttConfig config() {
    return config;
  }

  /** This network's MQTT client id (unique per instance). */
  public String clientId() {
    return clientId;
  }

  /** The topic this station receives unicast on. */
  public String unicastTopic() {
    return subscriptions[0];
  }

  /** The topic every station receives broadcasts on. */
  public String broadcastTopic() {
    return broadcastTopic;
  }

  /** True while connected to a broker and not waiting for a reconnect. */
  public boolean connected() {
    synchronized (stateLock) {
      return !lost && !closed && client.isConnected();
    }
  }

  /** The broker URL of the current (or last) connection: with failover, which one it is. */
  public String brokerUrl() {
    return client.getCurrentServerURI();
  }

  /** Successful reconnects after a lost connection. */
  public long reconnects() {
    return reconnects.get();
  }

  /** Sends dropped because the client was not connected (broker down, reconnecting). */
  public long disconnectedDrops() {
    return disconnectedDrops.get();
  }

  /** Sends dropped because {@code maxInflight} publishes were still waiting in Paho. */
  public long inflightDrops() {
    return inflightDrops.get();
  }

  /** Sends Paho refused for another reason. */
  public long sendFailures() {
    return sendFailures.get();
  }

  /** Packets not sent because they exceed {@link #maxPacketBytes()}. */
  public long oversizeDrops() {
    return oversizeDrops.get();
  }

  /** Packets not sent because the station was not a {@link MqttStation}. */
  public long foreignStationDrops() {
    return foreignStationDrops.get();
  }

  /** Received packets dropped because the inbox was full. */
  public long inboxDrops() {
    return inbox.drops();
  }

  /** Received MQTT messages that were not a {@link MqttFrame}. */
  public long malformedDrops() {
    return malformedDrops.get();
  }

  @Override
  public void send(ByteBuffer packet, Station to) throws IOException {
    ensureOpen();
    if (!(to instanceof MqttStation)) {
      foreignStationDrops.incrementAndGet();
      return;
    }
    publish(unicastPrefix + ((MqttStation) to).clientId(), packet);
  }

  @Override
  public void broadcast(ByteBuffer packet) throws IOException {
    ensureOpen();
    publish(broadcastTopic, packet);
  }

  /** Hands one frame to Paho without waiting; every failure is a counted drop. */
  private void publish(String topic, ByteBuffer packet) throws IOException {
    if (packet.remaining() > config.maxPacketBytes()) {
      oversizeDrops.incrementAndGet();
      return;
    }
    if (!client.isConnected()) {
      disconnectedDrops.incrementAndGet();
      return;
    }
    try {
      client.publish(topic, MqttFrame.encode(selfId, packet), QOS, false);
    } catch (MqttException e) {
      switch (e.getReasonCode()) {
        case MqttException.REASON_CODE_MAX_INFLIGHT:
          inflightDrops.incrementAndGet();
          break;
        case MqttException.REASON_CODE_CLIENT_NOT_CONNECTED:
        case MqttException.REASON_CODE_CLIENT_DISCONNECTING:
        case MqttException.REASON_CODE_CONNECTION_LOST:
        case MqttException.REASON_CODE_CLIENT_CLOSED:
          ensureOpen();
          disconnectedDrops.incrementAndGet(); // lost between the check and the publish
          break;
        default:
          sendFailures.incrementAndGet();
          break;
      }
    }
  }

  /**
   * Takes the oldest received packet, waiting up to {@code timeoutNanos}. Returns null at the
   * timeout, after {@link #wakeup()}, or when the calling thread is interrupted (the interrupt
   * status stays set). While the broker is down this simply times out.
   *
   * @throws ClosedChannelException if this network is closed
   */
  @Override
  public Station receive(ByteBuffer into, long timeoutNanos) throws IOException {
    return inbox.take(into, timeoutNanos);
  }

  @Override
  public void wakeup() {
    inbox.wakeup();
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  /**
   * Stops reconnecting, disconnects and closes the Paho client (always both, so none of its
   * threads outlive this), and frees the inbox. Idempotent; never throws.
   */
  @Override
  public void close() {
    synchronized (stateLock) {
      if (closed) {
        return;
      }
      closed = true;
      stateLock.notifyAll();
    }
    inbox.close(); // a blocked receive wakes and throws ClosedChannelException
    if (reconnector != null) {
      try {
        reconnector.join(connectWaitMs + CLOSE_WAIT_MS); // an attempt in progress ends by then
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    closeClient();
  }

  /** Disconnect, then close: Paho leaks its threads unless close() follows disconnect(). */
  private void closeClient() {
    try {
      if (client.isConnected()) {
        client.disconnect(0).waitForCompletion(CLOSE_WAIT_MS);
      }
    } catch (MqttException e) {
      Logger.debug("{}: disconnect: {}", name, e.toString());
    }
    try {
      client.close();
    } catch (MqttException e) {
      try {
        client.disconnectForcibly(0, CLOSE_WAIT_MS, false);
        client.close();
      } catch (MqttException e2) {
        Logger.warn("{}: the MQTT client did not close cleanly: {}", name, e2.toString());
      }
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
