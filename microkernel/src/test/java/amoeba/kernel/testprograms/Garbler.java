package amoeba.kernel.testprograms;

import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;

/**
 * Writes raw bytes into its child JVM's channel to the kernel, past the framing: "kind" an
 * unknown frame kind, "length" a length beyond the limit, "putrep" a PUTREP with no request.
 */
public final class Garbler implements Program {
  @Override
  public int run(ProcessContext ctx) throws IOException, InterruptedException {
    byte[] bytes = switch (ctx.args().get(0)) {
      case "kind" -> new byte[] {99, 0, 0, 0, 1, 7};
      case "length" -> new byte[] {1, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
      default -> new byte[] {8, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 1};
    };
    FileOutputStream raw = new FileOutputStream(FileDescriptor.out);
    raw.write(bytes);
    raw.flush();
    Thread.sleep(60_000); // the kernel ends this JVM long before
    return 0;
  }
}
