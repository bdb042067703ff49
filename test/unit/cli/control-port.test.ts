import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { createLogger } from "../../../src/io/logger.js";
import { startControlServer } from "../../../src/node/control-server.js";
import { ControlClient } from "../../../src/node/control-client.js";
import { proof } from "../../../src/node/control-protocol.js";
import { systemTime } from "../../../src/io/time.js";

test("the handshake: the right cookie gets in, a wrong one is refused, the cookie never crosses the wire", async () => {
  const warnings: string[] = [];
  const logger = createLogger({ level: "silent" });
  logger.warn = ((message: string) => warnings.push(message)) as typeof logger.warn;
  const server = await startControlServer({ host: "127.0.0.1", port: 0, cookie: "the-cookie", nodeName: "warren@test", logger, timers: systemTime }, { echo: (params) => params, fail: () => { throw new Error("nope"); } });
  try {
    const client = await ControlClient.connect("127.0.0.1", server.port, "the-cookie", 5_000);
    assert.deepEqual(await client.call("echo", { a: 1 }), { a: 1 });
    await assert.rejects(client.call("fail"), /nope/);
    await assert.rejects(client.call("missing"), /unknown method 'missing'/);
    client.close();
    await assert.rejects(ControlClient.connect("127.0.0.1", server.port, "wrong", 5_000), (error: Error & { kind?: string }) => {
      assert.equal(error.kind, "authentication");
      assert.match(error.message, /the cookie does not match the cookie of node warren@test/);
      return true;
    });
    assert.match(warnings.join("\n"), /refused: the cookie does not match this node's \(warren@test\)/);
    // Everything a client receives before authenticating: no cookie in it.
    const seen = await new Promise<string>((resolve) => {
      let text = "";
      let answered = false;
      const socket = connect(server.port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.on("data", (chunk) => {
        text += chunk.toString();
        if (text.includes("\n") && !answered && (answered = true)) socket.end(JSON.stringify({ type: "response", nonce: "x".repeat(64), proof: proof("guess", "client", "", "") }) + "\n");
      });
      socket.on("close", () => resolve(text));
    });
    assert.doesNotMatch(seen, /the-cookie/);
    assert.match(seen, /"type":"challenge"/);
  } finally {
    await server.close();
  }
});
