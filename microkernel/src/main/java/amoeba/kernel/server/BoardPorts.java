package amoeba.kernel.server;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.Port;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Where a board's kernel servers listen, computed rather than looked up, so any pool member can
 * reach board B's process server before a directory exists (issue 8 will also publish them
 * under /pool/B):
 *
 * <pre>
 * get-port(service, board) = low 48 bits of HMAC-SHA256(key = pool key,
 *                                message = "amoeba-port:" + service + ":" + board), never 0
 * owner capability         = object 0 at get-port.putPort() with the secret
 *                            CheckScheme.bootstrapSecret(get-port, 0)
 * </pre>
 *
 * The pool key is the pool's root authority: whoever holds it can compute every board's
 * get-ports (and so serve them) and the owner capabilities of every board's process and sys
 * server. Without the key nobody can: the put-port does not reveal the get-port (one-way
 * function). A pool without a key derives from the empty key, i.e. everyone holds its
 * authority: fine on a single host for tests, never on a LAN.
 */
public final class BoardPorts {
  public static final String PROCESS = "process";
  public static final String SYS = "sys";
  /** The directory service; its one instance is {@link #POOL} (the replicas share its port). */
  public static final String DIRECTORY = "dir";
  /** The instance name of a pool-wide service (one port for all its replicas). */
  public static final String POOL = "pool";

  private static final byte[] NO_KEY = new byte[32];
  private static final CheckScheme SCHEME = new CheckScheme(new SecureRandom());

  private BoardPorts() {}

  /** The get-port of {@code service} on {@code board}: only pool-key holders can compute it. */
  public static Port getPort(byte[] poolKey, String service, String board) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(poolKey == null || poolKey.length == 0 ? NO_KEY : poolKey, "HmacSHA256"));
      byte[] h = mac.doFinal(("amoeba-port:" + service + ":" + board).getBytes(StandardCharsets.UTF_8));
      for (int i = 0; ; i += 6) {
        long v = 0;
        for (int j = 0; j < 6; j++) {
          v = (v << 8) | (h[(i + j) % h.length] & 0xFF);
        }
        if (v != 0) {
          return new Port(v);
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  /** The put-port clients call. */
  public static Port putPort(byte[] poolKey, String service, String board) {
    return getPort(poolKey, service, board).putPort();
  }

  /** The owner capability of object 0 (the server itself) of {@code service} on {@code board}. */
  public static Capability owner(byte[] poolKey, String service, String board) {
    Port get = getPort(poolKey, service, board);
    return CheckScheme.owner(get.putPort(), 0, SCHEME.bootstrapSecret(get, 0));
  }

  /**
   * The owner capability of the pool's root directory: object 0 of the directory service, so
   * every pool-key holder (boards, the CLI) knows it without asking anyone.
   */
  public static Capability rootDirectory(byte[] poolKey) {
    return owner(poolKey, DIRECTORY, POOL);
  }

  /** The secret of object 0 at {@code getPort}, for the server that installs it. */
  public static long rootSecret(Port getPort) {
    return SCHEME.bootstrapSecret(getPort, 0);
  }
}
