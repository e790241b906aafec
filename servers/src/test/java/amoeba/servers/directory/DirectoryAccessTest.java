package amoeba.servers.directory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.StdCommand;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.Wire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command refuses forged, revoked and under-privileged capabilities and malformed data. */
class DirectoryAccessTest {
  @TempDir static Path dir;
  static DirectoryCluster cluster;
  static DirectoryClient client;
  static final CheckScheme SCHEME = new CheckScheme(new SecureRandom());
  static final CapabilitySet SOME = CapabilitySet.of(new Capability(new amoeba.capabilities.Port(0x77L), 1, 0xFF, 9L));

  @BeforeAll
  static void start() throws Exception {
    cluster = new DirectoryCluster(dir, 5).start();
    client = cluster.client("b2");
    client.mkdir("/home/t");
    client.enter("/home/t/row", SOME);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  /** Well-formed request data for each command, naming rows under the capability's directory. */
  static Map<Integer, Function<String, Wire.Out>> commands() {
    Map<Integer, Function<String, Wire.Out>> m = new LinkedHashMap<>();
    m.put(DirectoryCommand.LOOKUP.code(), p -> new Wire.Out().str(p + "row"));
    m.put(DirectoryCommand.LIST.code(), p -> new Wire.Out().str(dirOf(p)));
    m.put(DirectoryCommand.GETMASKS.code(), p -> new Wire.Out().str(p + "row"));
    m.put(DirectoryCommand.SEQNO.code(), p -> new Wire.Out().str(dirOf(p)));
    m.put(DirectoryCommand.APPEND.code(), p -> DirectoryState.capset(new Wire.Out().str(p + "new"), SOME).u8(0));
    m.put(DirectoryCommand.REPLACE.code(), p -> DirectoryState.capset(new Wire.Out().str(p + "row"), SOME));
    m.put(DirectoryCommand.DELETE.code(), p -> new Wire.Out().str(p + "nothing"));
    m.put(DirectoryCommand.CHMOD.code(), p -> new Wire.Out().str(p + "row").u8(1).u8(0xFF));
    m.put(DirectoryCommand.INSTALL.code(), p -> DirectoryState.capset(new Wire.Out().u8(1).str(p + "row").u8(0), SOME));
    m.put(DirectoryCommand.CREATE.code(), p -> new Wire.Out().str(p + "sub").u8(1).str("owner").u8(0));
    m.put(StdCommand.STD_DESTROY.code(), p -> new Wire.Out());
    m.put(StdCommand.STD_REVOKE.code(), p -> new Wire.Out());
    m.put(StdCommand.STD_INFO.code(), p -> new Wire.Out());
    m.put(StdCommand.STD_RESTRICT.code(), p -> new Wire.Out());
    return m;
  }

  /** "home/t/" names the directory home/t; "" the capability's own. */
  static String dirOf(String prefix) {
    return prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
  }

  static RpcMessage call(Capability cap, int command, Wire.Out data) {
    return cluster.kernels.get("b1").rpc().trans(new RpcMessage().capability(cap).command(command)
        .offset(command == StdCommand.STD_RESTRICT.code() ? 0x01 : 0).data(data.buffer()), 5 * DirectoryCluster.SECOND);
  }

  static String text(RpcMessage reply) {
    byte[] b = new byte[reply.dataLength()];
    reply.data().get(reply.data().position(), b);
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void forgedCapabilitiesAreCapbadOnEveryCommand() {
    Capability root = client.root();
    Capability forged = new Capability(root.port(), root.object(), root.rights(), root.check() ^ 1);
    Capability edited = new Capability(root.port(), root.object(), 0x0F, root.check()); // rights edited
    for (Map.Entry<Integer, Function<String, Wire.Out>> e : commands().entrySet()) {
      assertEquals(ErrorCode.CAPBAD.code(), call(forged, e.getKey(), e.getValue().apply("home/t/")).status(), "forged " + e.getKey());
      assertEquals(ErrorCode.CAPBAD.code(), call(edited, e.getKey(), e.getValue().apply("home/t/")).status(), "edited " + e.getKey());
    }
  }

  @Test
  void revokedCapabilitiesAreCapbadOnEveryCommand() throws Exception {
    Capability old = client.create(client.root(), "home/t/revoked", List.of("owner"));
    Capability fresh = client.revoke(old);
    assertTrue(!fresh.equals(old));
    Capability restrictedOld = SCHEME.restrict(old, 0x0F);
    for (Map.Entry<Integer, Function<String, Wire.Out>> e : commands().entrySet()) {
      assertEquals(ErrorCode.CAPBAD.code(), call(old, e.getKey(), e.getValue().apply("")).status(), "revoked " + e.getKey());
      assertEquals(ErrorCode.CAPBAD.code(), call(restrictedOld, e.getKey(), e.getValue().apply("")).status(),
          "restricted from revoked " + e.getKey());
    }
    // The row in /home/t still names the old capability: walking through it is refused too.
    assertEquals(ErrorCode.CAPBAD.code(), call(client.root(), DirectoryCommand.LIST.code(),
        new Wire.Out().str("home/t/revoked")).status());
    assertEquals(ErrorCode.OK.code(), call(fresh, DirectoryCommand.LIST.code(), new Wire.Out().str("")).status());
  }

  @Test
  void underPrivilegedCapabilitiesAreDenied() throws Exception {
    Capability root = client.root();
    Capability readOnly = SCHEME.restrict(root, 0x01); // the owner column, no MODIFY, no DESTROY
    Capability noColumn = SCHEME.restrict(root, DirectoryState.MODIFY); // may modify, reads nothing
    for (Map.Entry<Integer, Function<String, Wire.Out>> e : commands().entrySet()) {
      int command = e.getKey();
      RpcMessage r = call(readOnly, command, e.getValue().apply("home/t/"));
      boolean isRead = command == DirectoryCommand.LOOKUP.code() || command == DirectoryCommand.LIST.code()
          || command == DirectoryCommand.GETMASKS.code() || command == DirectoryCommand.SEQNO.code()
          || command == StdCommand.STD_INFO.code() || command == StdCommand.STD_RESTRICT.code();
      assertEquals(isRead ? ErrorCode.OK.code() : ErrorCode.DENIED.code(), r.status(),
          "read-only, command " + command + ": " + text(r));
      RpcMessage n = call(noColumn, command, e.getValue().apply("home/t/"));
      if (command != StdCommand.STD_INFO.code() && command != StdCommand.STD_RESTRICT.code()) {
        // Walking to home/t needs a column; STD_INFO and STD_RESTRICT need only a valid capability.
        assertEquals(ErrorCode.DENIED.code(), n.status(), "no column, command " + command + ": " + text(n));
      }
    }
    // Masks cut what a lookup hands out: through the "other" column (mask 0x02) only READ.
    client.chmod(root, "home/t/row", 0xFF, 0xFF, 0x02);
    Capability other = SCHEME.restrict(client.lookup("/home/t").first(), 0x04);
    DirectoryClient viaOther = new DirectoryClient(other, cluster.kernels.get("b3").rpc(), 5 * DirectoryCluster.SECOND);
    assertEquals(CapabilitySet.of(SCHEME.restrict(SOME.first(), 0x02)), viaOther.lookup("row"));
    assertEquals(SOME, client.lookup("/home/t/row"), "the owner column keeps every right");
    client.chmod(root, "home/t/row", 0xFF, 0xFF, 0x00);
    assertEquals(ErrorCode.DENIED.code(), call(other, DirectoryCommand.LOOKUP.code(),
        new Wire.Out().str("row")).status(), "a zero mask hands out nothing");
  }

  @Test
  void malformedRequestsGetClearErrors() {
    Capability root = client.root();
    Map<String, RpcMessage> bad = new LinkedHashMap<>();
    bad.put("empty component", call(root, DirectoryCommand.LOOKUP.code(), new Wire.Out().str("home//t")));
    bad.put("trailing slash", call(root, DirectoryCommand.LOOKUP.code(), new Wire.Out().str("home/t/")));
    bad.put("long name", call(root, DirectoryCommand.APPEND.code(),
        DirectoryState.capset(new Wire.Out().str("home/t/" + "n".repeat(256)), SOME).u8(0)));
    bad.put("deep path", call(root, DirectoryCommand.LOOKUP.code(), new Wire.Out().str("a/".repeat(40) + "b")));
    bad.put("dot dot", call(root, DirectoryCommand.LOOKUP.code(), new Wire.Out().str("home/../etc")));
    bad.put("truncated", call(root, DirectoryCommand.LOOKUP.code(), new Wire.Out().u8(0)));
    bad.put("capset of 9", call(root, DirectoryCommand.APPEND.code(), new Wire.Out().str("home/t/x").u8(9)));
    bad.put("install of 0", call(root, DirectoryCommand.INSTALL.code(), new Wire.Out().u8(0)));
    bad.put("5 columns", call(root, DirectoryCommand.CREATE.code(),
        new Wire.Out().str("home/t/c5").u8(5).str("a").str("b").str("c").str("d").str("e").u8(0)));
    bad.put("5 masks", call(root, DirectoryCommand.CHMOD.code(), new Wire.Out().str("home/t/row").u8(5)
        .u8(1).u8(1).u8(1).u8(1).u8(1)));
    bad.put("not a directory", call(root, DirectoryCommand.LIST.code(), new Wire.Out().str("home/t/row")));
    for (Map.Entry<String, RpcMessage> e : bad.entrySet()) {
      assertEquals(ErrorCode.BADPARAM.code(), e.getValue().status(), e.getKey() + ": " + text(e.getValue()));
      assertTrue(!text(e.getValue()).isEmpty(), e.getKey() + " says why");
    }
    assertEquals(ErrorCode.COMMAND_UNKNOWN.code(), call(root, 2199, new Wire.Out()).status());
    assertEquals(ErrorCode.COMMAND_UNKNOWN.code(), call(root, DirectoryCommand.FETCH.code(), new Wire.Out()).status(),
        "state transfer is not on the clients' port");
  }
}
