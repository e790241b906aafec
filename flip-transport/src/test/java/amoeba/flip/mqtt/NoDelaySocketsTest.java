package amoeba.flip.mqtt;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;

/** Paho's sockets come without Nagle's algorithm, plain and TLS, as Paho creates them. */
class NoDelaySocketsTest {
  @Test
  void bothFactoriesMakeSocketsWithTcpNoDelay() throws Exception {
    try (Socket plain = NoDelaySockets.plain().createSocket();
        Socket tls =
            NoDelaySockets.tls((SSLSocketFactory) SSLSocketFactory.getDefault()).createSocket()) {
      assertTrue(plain.getTcpNoDelay());
      assertTrue(tls.getTcpNoDelay());
    }
  }
}
