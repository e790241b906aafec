package amoeba.tools.bench;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The MQTT baseline: plain Paho 1.2.5, QoS 0, one publish to the echo's topic and one back,
 * through the same broker the FLIP/RPC row uses (the same four broker hops).
 */
public final class RawPaho {
  private RawPaho() {}

  /**
   * The asynchronous client, as MqttNetwork uses it: a synchronous publish from inside
   * messageArrived would wait on the very callback thread it runs on.
   */
  static MqttAsyncClient connect(String url, String id, MqttCallback callback)
      throws MqttException {
    MqttAsyncClient c = new MqttAsyncClient(url, id, new MemoryPersistence());
    MqttConnectOptions o = new MqttConnectOptions();
    o.setCleanSession(true);
    o.setMaxInflight(1000);
    c.setCallback(callback);
    c.connect(o).waitForCompletion(10_000);
    return c;
  }

  /** Echoes every message on {@code topic + "/in"} to {@code topic + "/out"}; runs until exit. */
  public static void echo(String url, String topic) throws java.io.IOException {
    try {
      startEcho(url, topic);
    } catch (MqttException e) {
      throw new java.io.IOException("cannot start the Paho echo: " + e.getMessage(), e);
    }
  }

  private static void startEcho(String url, String topic) throws MqttException {
    MqttAsyncClient[] self = new MqttAsyncClient[1];
    MqttAsyncClient c = connect(url, "paho-echo-" + ProcessHandle.current().pid(),
        new Callback(m -> {
          try {
            self[0].publish(topic + "/out", m.getPayload(), 0, false); // does not wait
          } catch (MqttException e) {
            // the broker went away: the benchmark sees the lost round trip
          }
        }));
    self[0] = c;
    c.subscribe(topic + "/in", 0).waitForCompletion(10_000);
  }

  /** Round trips of {@code size}-byte messages through the echo: warm-up, then timed. */
  public static Latencies pingPong(String url, String topic, int size, int warmup, int count)
      throws Exception {
    BlockingQueue<MqttMessage> replies = new ArrayBlockingQueue<>(16);
    MqttAsyncClient c = connect(url, "paho-ping-" + ProcessHandle.current().pid(),
        new Callback(replies::offer));
    c.subscribe(topic + "/out", 0).waitForCompletion(10_000);
    try {
      byte[] payload = new byte[size];
      Latencies lat = new Latencies(count);
      for (int i = 0; i < warmup + count; i++) {
        long t0 = System.nanoTime();
        c.publish(topic + "/in", payload, 0, false);
        if (replies.poll(1, TimeUnit.SECONDS) == null) {
          throw new java.io.IOException("a Paho round trip was lost (round " + i + ")");
        }
        if (i >= warmup) {
          lat.record(System.nanoTime() - t0);
        }
      }
      return lat;
    } finally {
      c.disconnect().waitForCompletion(5_000);
      c.close();
    }
  }

  private static final class Callback implements MqttCallback {
    private final java.util.function.Consumer<MqttMessage> onMessage;

    Callback(java.util.function.Consumer<MqttMessage> onMessage) {
      this.onMessage = onMessage;
    }

    @Override
    public void connectionLost(Throwable cause) {}

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      onMessage.accept(message);
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {}
  }
}
