package amoeba.ipc.rpc;

import static amoeba.ipc.rpc.Pool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.ipc.rpc.Pool.CountingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Server framework over RPC: capabilities and rights checked before any handler runs. */
class ServerTest {
  Pool pool;
  Rpc client;
  CountingServer server;
  Port port;
  Capability owner;
  StdClient std;

  @BeforeEach
  void start() throws Exception {
    pool = new Pool(11, Pool.FAST);
    Rpc serverRpc = pool.rpc();
    client = pool.rpc();
    port = pool.newPort();
    server = pool.serve(new CountingServer(port, pool.random), serverRpc, port, 2);
    owner = server.objects().allocate("alpha");
    std = new StdClient(client, SECOND);
  }

  @AfterEach
  void stop() {
    pool.close();
  }

  int read(Capability cap) {
    RpcMessage rq = new RpcMessage().capability(cap).command(CountingServer.READ);
    return client.trans(rq, SECOND).status();
  }

  static int status(RpcException e) {
    return e.status();
  }

  @Test
  void validCapabilityRunsTheHandler() {
    assertEquals(0, read(owner));
    assertEquals(1, server.reads.get());
  }

  @Test
  void forgedCapabilityIsCapbadAndRunsNothing() {
    Capability forged = new Capability(owner.port(), owner.object(), Rights.ALL, owner.check() ^ 1);
    assertEquals(ErrorCode.CAPBAD.code(), read(forged));
    Capability rightsEdited = new Capability(owner.port(), owner.object(), Rights.READ, owner.check());
    assertEquals(ErrorCode.CAPBAD.code(), read(rightsEdited));
    assertNotEquals(0, read(new Capability(owner.port(), owner.object() + 1, Rights.ALL, 1)));
    assertEquals(0, server.reads.get());
  }

  @Test
  void missingRightIsDeniedAndRunsNothing() throws Exception {
    Capability modifyOnly = std.restrict(owner, Rights.MODIFY);
    assertEquals(Rights.MODIFY, modifyOnly.rights());
    assertEquals(ErrorCode.DENIED.code(), read(modifyOnly));
    assertEquals(0, server.reads.get());
  }

  @Test
  void revokedCapabilitiesAreCapbadAndRunNothing() throws Exception {
    Capability reader = std.restrict(owner, Rights.READ);
    Capability fresh = std.revoke(owner);
    assertNotEquals(owner.check(), fresh.check());
    assertEquals(ErrorCode.CAPBAD.code(), read(owner));
    assertEquals(ErrorCode.CAPBAD.code(), read(reader));
    assertEquals(0, server.reads.get());
    assertEquals(0, read(fresh)); // the new owner capability works
    assertEquals(1, server.reads.get());
  }

  @Test
  void onlyTheOwnerRevokes() throws Exception {
    Capability reader = std.restrict(owner, Rights.READ | Rights.MODIFY | Rights.DELETE);
    RpcException e = assertThrows(RpcException.class, () -> std.revoke(reader));
    assertEquals(ErrorCode.DENIED.code(), status(e));
    assertEquals(0, read(owner)); // still valid
  }

  @Test
  void restrictThroughTheServerWorksForNonOwners() throws Exception {
    Capability rw = std.restrict(owner, Rights.READ | Rights.MODIFY);
    Capability r = std.restrict(rw, Rights.READ | Rights.DELETE); // cannot gain DELETE
    assertEquals(Rights.READ, r.rights());
    assertEquals(0, read(r));
  }

  @Test
  void infoTouchDestroyAgeAndUnknownCommands() throws Exception {
    assertEquals("counting object alpha", std.info(owner));
    std.touch(std.restrict(owner, Rights.READ));
    RpcMessage age = new RpcMessage().capability(owner).command(1001);
    assertEquals(ErrorCode.COMMAND_UNKNOWN.code(), client.trans(age, SECOND).status());
    RpcMessage unknown = new RpcMessage().capability(owner).command(2999);
    assertEquals(ErrorCode.COMMAND_UNKNOWN.code(), client.trans(unknown, SECOND).status());
    RpcException denied =
        assertThrows(RpcException.class, () -> std.destroy(std.restrict(owner, Rights.READ)));
    assertEquals(ErrorCode.DENIED.code(), status(denied));
    std.destroy(owner);
    RpcException gone = assertThrows(RpcException.class, () -> std.info(owner));
    assertEquals(ErrorCode.NO_SUCH_OBJECT.code(), status(gone));
  }

  @Test
  void badRestrictMaskIsBadParam() {
    RpcMessage rq = new RpcMessage().capability(owner).command(1005).offset(0x100);
    assertEquals(ErrorCode.BADPARAM.code(), client.trans(rq, SECOND).status());
  }
}
