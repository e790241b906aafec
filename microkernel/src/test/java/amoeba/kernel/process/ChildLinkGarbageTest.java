package amoeba.kernel.process;

import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Port;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupMember;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;
import amoeba.kernel.api.Ipc;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The kernel's side of the channel fed random and half-valid frames, as a hostile child could
 * write them: nothing escapes the demultiplexer, it always ends (at the end of the bytes or on
 * a malformed frame), and every frame it rejects is reported with a reason.
 */
class ChildLinkGarbageTest {
  static final int[] KINDS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 18, 42, 255};

  final AtomicInteger malformed = new AtomicInteger();
  final ThreadGroup group = new ThreadGroup("garbage");

  /** A host whose IPC answers at once: trans echoes, serve refuses. */
  ChildLink.Host host() {
    Object lock = new Object();
    OutputLog out = new OutputLog(lock, 1 << 16);
    OutputLog err = new OutputLog(lock, 1 << 16);
    InputPipe stdin = new InputPipe(1 << 10);
    Ipc ipc = new Ipc() {
      @Override
      public RpcMessage trans(RpcMessage request, long timeoutNanos) {
        return request;
      }

      @Override
      public RpcServer serve(Port getPort) {
        throw new IllegalStateException("no serving here");
      }

      @Override
      public GroupMember createGroup(long port, GroupConfig config) {
        throw new UnsupportedOperationException();
      }

      @Override
      public GroupMember joinGroup(long port, GroupConfig config, long timeoutNanos) {
        throw new UnsupportedOperationException();
      }
    };
    return new ChildLink.Host() {
      public Ipc ipc() {
        return ipc;
      }

      public OutputLog stdoutLog() {
        return out;
      }

      public OutputLog stderrLog() {
        return err;
      }

      public InputPipe stdinPipe() {
        return stdin;
      }

      public ThreadGroup group() {
        return group;
      }

      public String threadName(String what) {
        return "garbage-" + what;
      }

      public ByteBuffer started(boolean checkpointable) {
        return ByteBuffer.allocate(0);
      }

      public void stunned(byte[] state) {}

      public void malformed(String why) {
        assertTrue(!why.isBlank());
        malformed.incrementAndGet();
      }
    };
  }

  /** Frames with plausible headers and random kinds, lengths and payloads. */
  static byte[] halfValid(SplittableRandom r) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int frames = r.nextInt(1, 6); frames > 0; frames--) {
      int kind = KINDS[r.nextInt(KINDS.length)];
      int length = r.nextInt(8) == 0 ? r.nextInt() : r.nextInt(0, 80);
      byte[] payload = new byte[Math.max(0, Math.min(length, 80) - (r.nextBoolean() ? 0 : r.nextInt(4)))];
      r.nextBytes(payload);
      b.writeBytes(ByteBuffer.allocate(5).put((byte) kind).putInt(length).array());
      b.writeBytes(payload);
    }
    return b.toByteArray();
  }

  @Test
  void randomAndHalfValidFramesNeverEscapeTheDemultiplexer() {
    SplittableRandom r = new SplittableRandom(2026);
    for (int i = 0; i < 3000; i++) {
      byte[] bytes;
      if (i % 2 == 0) {
        bytes = new byte[r.nextInt(64)];
        r.nextBytes(bytes);
      } else {
        bytes = halfValid(r);
      }
      ChildLink link = new ChildLink(host(), new ByteArrayInputStream(bytes), new ByteArrayOutputStream());
      link.demux(); // returns: the bytes ended or a frame was malformed; throws nothing
    }
    assertTrue(malformed.get() > 500, "rejections reported: " + malformed.get());
    group.interrupt(); // proxies started by TRANS frames end
  }
}
