package amoeba.tools.flash;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.common.signature.Signature;

/**
 * One SSH connection to a board, with the checks a person expects from {@code ssh}: public-key
 * authentication only, and the server's host key must be in the known_hosts file (an unknown or
 * changed key is refused, never added). Failures become {@link FlashException}s whose message says
 * what to do. Commands run through the remote user's shell; their output is bounded.
 */
public final class Ssh implements AutoCloseable {
  /** Output kept per stream of one remote command: probes print lines, not files. */
  static final int MAX_OUTPUT_BYTES = 1 << 20;

  /** What a remote command did. */
  public record Result(int status, String out, String err) {
    public boolean ok() {
      return status == 0;
    }

    /** stderr's last line, or stdout's when stderr is empty: the part worth showing. */
    public String reason() {
      String text = err.isBlank() ? out : err;
      String[] lines = text.strip().split("\n");
      return lines[lines.length - 1].strip() + " (exit " + status + ")";
    }
  }

  private final SshClient client;
  private final ClientSession session;
  private final String target;
  private final Duration commandTimeout;

  private Ssh(SshClient client, ClientSession session, String target, Duration commandTimeout) {
    this.client = client;
    this.session = session;
    this.target = target;
    this.commandTimeout = commandTimeout;
  }

  /**
   * Connects and authenticates.
   *
   * @param identities private key files (OpenSSH or PEM format, without passphrase)
   * @param knownHosts the known_hosts file the host key must be in
   * @param connectTimeout for the TCP connection, the key exchange and authentication each
   * @param commandTimeout for one remote command (an apt-get install takes minutes on a Pi)
   */
  public static Ssh connect(String user, String host, int port, List<Path> identities, Path knownHosts,
      Duration connectTimeout, Duration commandTimeout) {
    String target = user + "@" + host + (port == 22 ? "" : ":" + port);
    for (Path identity : identities) {
      if (!Files.isReadable(identity)) {
        throw new FlashException(target + ": cannot read the key " + identity);
      }
    }
    if (!Files.isReadable(knownHosts)) {
      throw new FlashException(target + ": cannot read the known hosts file " + knownHosts
          + " (connect once with ssh, or give --known-hosts FILE)");
    }
    HostKeyCheck check = new HostKeyCheck(knownHosts);
    SshClient client = SshClient.setUpDefaultClient();
    // Nothing from ~/.ssh/config: the options given are all that counts.
    client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    client.setServerKeyVerifier(check.verifier);
    client.setKeyIdentityProvider(new FileKeyPairProvider(identities));
    client.setSignatureFactories(preferKnownKeyTypes(client.getSignatureFactories(), knownHosts, host, port));
    client.start();
    ClientSession session = null;
    try {
      session = client.connect(user, host, port).verify(connectTimeout).getSession();
      session.auth().verify(connectTimeout);
      return new Ssh(client, session, target, commandTimeout);
    } catch (IOException | RuntimeException e) {
      if (session != null) {
        session.close(true);
      }
      client.stop();
      throw new FlashException(target + ": " + describe(e, check, identities, knownHosts, connectTimeout), e);
    }
  }

  public String target() {
    return target;
  }

  /** Runs {@code command} with no input. */
  public Result run(String command) {
    return run(command, new ByteArrayInputStream(new byte[0]));
  }

  /** Runs {@code command} with {@code stdin} as its input (closed at its end). */
  public Result run(String command, InputStream stdin) {
    ByteArrayOutputStream out = new BoundedOutput();
    ByteArrayOutputStream err = new BoundedOutput();
    try (ChannelExec channel = session.createExecChannel(command)) {
      channel.setIn(stdin);
      channel.setOut(out);
      channel.setErr(err);
      channel.open().verify(commandTimeout);
      Set<ClientChannelEvent> events =
          channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), commandTimeout.toMillis());
      if (events.contains(ClientChannelEvent.TIMEOUT)) {
        throw new FlashException(target + ": a command did not finish in " + commandTimeout.toSeconds() + " s");
      }
      Integer status = channel.getExitStatus();
      return new Result(status == null ? -1 : status, out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new FlashException(target + ": connection lost: " + e.getMessage(), e);
    }
  }

  /** Runs {@code command} and fails with {@code what} and the command's last error line unless it succeeds. */
  public Result check(String what, String command) {
    Result r = run(command);
    if (!r.ok()) {
      throw new FlashException(target + ": " + what + ": " + r.reason());
    }
    return r;
  }

  @Override
  public void close() {
    session.close(true);
    client.stop();
  }

  /**
   * The signature algorithms with those of the host's known_hosts keys first: like OpenSSH, so
   * the server shows the key the file holds, not another of its keys (which would look changed).
   */
  static List<NamedFactory<Signature>> preferKnownKeyTypes(
      List<NamedFactory<Signature>> all, Path knownHosts, String host, int port) {
    Set<String> types = new HashSet<>();
    try {
      for (KnownHostEntry e : KnownHostEntry.readKnownHostEntries(knownHosts)) {
        if (e.getKeyEntry() != null && e.isHostMatch(host, port)) {
          types.add(e.getKeyEntry().getKeyType());
        }
      }
    } catch (IOException e) {
      throw new FlashException("cannot read the known hosts file " + knownHosts + ": " + e.getMessage(), e);
    }
    List<NamedFactory<Signature>> first = new ArrayList<>();
    List<NamedFactory<Signature>> rest = new ArrayList<>();
    for (NamedFactory<Signature> f : all) {
      String name = f.getName();
      boolean known = types.contains(name) || (types.contains("ssh-rsa") && name.startsWith("rsa-sha2-"));
      (known ? first : rest).add(f);
    }
    first.addAll(rest);
    return first;
  }

  /** Remembers why a host key was refused, to say so instead of "key exchange failed". */
  private static final class HostKeyCheck {
    final KnownHostsServerKeyVerifier verifier;
    volatile String refusal;

    HostKeyCheck(Path knownHosts) {
      verifier = new KnownHostsServerKeyVerifier((ClientSession s, SocketAddress a, PublicKey key) -> {
        refusal = "unknown host key " + KeyUtils.getFingerPrint(key) + " (" + KeyUtils.getKeyType(key)
            + "): not in " + knownHosts + "; check the fingerprint on the board, then add it: "
            + "ssh-keyscan -p PORT HOST >> " + knownHosts;
        return false;
      }, knownHosts);
      verifier.setModifiedServerKeyAcceptor((s, a, entry, expected, actual) -> {
        refusal = "HOST KEY CHANGED: the server shows " + KeyUtils.getFingerPrint(actual) + " but " + knownHosts
            + " has " + KeyUtils.getFingerPrint(expected) + " (someone may be intercepting the connection, or"
            + " the board was reinstalled: then remove the old key with ssh-keygen -R HOST)";
        return false;
      });
    }
  }

  private static String describe(Throwable e, HostKeyCheck check, List<Path> identities, Path knownHosts,
      Duration timeout) {
    if (check.refusal != null) {
      return check.refusal;
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return "unreachable: connection refused (is sshd running, is the port right?)";
      }
      if (c instanceof NoRouteToHostException) {
        return "unreachable: no route to host";
      }
      if (c instanceof UnknownHostException) {
        return "unreachable: unknown host name";
      }
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("No more authentication methods") || message.contains("authentication")
        || message.contains("Authentication")) {
      return "permission denied: the server did not accept the key " + identities
          + " (is its .pub line in ~/.ssh/authorized_keys of that user?)";
    }
    if (message.toLowerCase(java.util.Locale.ROOT).contains("timeout") || message.contains("timed out")) {
      return "unreachable: no answer in " + timeout.toSeconds() + " s";
    }
    return message;
  }

  /** Keeps the first {@link #MAX_OUTPUT_BYTES} bytes and drops the rest. */
  private static final class BoundedOutput extends ByteArrayOutputStream {
    @Override
    public synchronized void write(byte[] b, int off, int len) {
      super.write(b, off, Math.max(0, Math.min(len, MAX_OUTPUT_BYTES - count)));
    }

    @Override
    public synchronized void write(int b) {
      if (count < MAX_OUTPUT_BYTES) {
        super.write(b);
      }
    }
  }
}
