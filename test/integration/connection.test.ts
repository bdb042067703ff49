/**
 * Connection-level behaviour (AMQP 0-9-1 §2.2.4, §4.2): protocol header, SASL, tuning,
 * heartbeats, vhosts, server properties, close. Reply codes and texts were checked
 * against RabbitMQ 3.10.8 with WARREN_TEST_AMQP_URL.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import amqp from "amqplib";
import {
  AMQP_PROTOCOL_HEADER, ArgWriter, Method, RawAmqpClient, buildFrame, FrameType, readClose, isMethod,
  SocketClosedError, rawClientForTest
} from "../helpers/raw-amqp.js";
import { closeAllConnections, closeQuietly, connect, openChannel, skipIfExternal, SUITE_TIMEOUT_MS, startTestBroker, uniqueName, type TestBroker } from "../helpers/broker.js";

let broker: TestBroker;
before(async () => { broker = await startTestBroker(); });
after(async () => {
  await closeAllConnections();
  await broker?.stop();
});

const raw = (t: { after(fn: () => void): void }): Promise<RawAmqpClient> => rawClientForTest(t, broker);

describe("protocol header", { timeout: SUITE_TIMEOUT_MS }, () => {
  // checked against RabbitMQ 3.10.8: it answers any unsupported header with "AMQP" 0 0 9 1 and closes.
  for (const [label, header] of [
    ["HTTP request", Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")],
    ["AMQP 0-9-2", Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 2])],
    ["AMQP 1.0", Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0])],
    ["64 bytes of garbage", Buffer.alloc(64, 0xab)],
  ] as const) {
    test(`${label} gets the server's protocol header back and the socket closed`, async (t) => {
      const client = await raw(t);
      client.write(header);
      await client.waitForSocketClose(5_000);
      assert.deepEqual(client.received, AMQP_PROTOCOL_HEADER);
    });
  }
});

describe("SASL", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the server offers PLAIN and AMQPLAIN", async (t) => {
    const client = await raw(t);
    const { mechanisms } = await client.handshake();
    assert.deepEqual(mechanisms.split(" ").sort(), ["AMQPLAIN", "PLAIN"]); // RabbitMQ 3.10.8: "AMQPLAIN PLAIN"
    await client.close();
  });

  test("PLAIN and AMQPLAIN log in with amqplib", async () => {
    for (const credentials of [amqp.credentials.plain("guest", "guest"), amqp.credentials.amqplain("guest", "guest")]) {
      const connection = await connect(broker.url, { credentials });
      const channel = await openChannel(connection);
      const name = uniqueName(`sasl-${credentials.mechanism}`);
      await channel.assertQueue(name, { exclusive: true });
      await closeQuietly(connection);
    }
  });

  test("AMQPLAIN logs in with the raw client", async (t) => {
    const client = await raw(t);
    await client.handshake({ mechanism: "AMQPLAIN" });
    await client.openChannel(1);
    await client.close();
  });

  // RabbitMQ closes with connection.close 403 because the client announces authentication_failure_close.
  for (const mechanism of ["PLAIN", "AMQPLAIN"] as const) {
    test(`bad credentials over ${mechanism} → 403 ACCESS_REFUSED`, async (t) => {
      const client = await raw(t);
      await assert.rejects(client.handshake({ mechanism, password: "wrong" }), /10\.50/);
      // The close frame was consumed by handshake's error; read it from the raw bytes instead.
      const close = await closeFromBytes(client);
      assert.equal(close.code, 403);
      assert.equal(close.text, `ACCESS_REFUSED - Login was refused using authentication mechanism ${mechanism}. For details see the broker logfile.`);
    });
  }

  test("bad credentials with amqplib reject the connect", async () => {
    await assert.rejects(connect(broker.url, { password: "wrong" }), /ACCESS_REFUSED|403/);
  });
});

/** Finds the connection.close frame among everything the server sent (after start and tune). */
async function closeFromBytes(client: RawAmqpClient): Promise<ReturnType<typeof readClose>> {
  await client.waitForSocketClose(5_000).catch(() => {});
  let offset = 0;
  const bytes = client.received;
  while (offset + 7 <= bytes.length) {
    const size = bytes.readUInt32BE(offset + 3);
    const payload = bytes.subarray(offset + 7, offset + 7 + size);
    if (bytes[offset] === FrameType.method && payload.readUInt16BE(0) === 10 && payload.readUInt16BE(2) === 50) {
      return readClose({ type: 1, channel: 0, payload, classId: 10, methodId: 50 });
    }
    offset += size + 8;
  }
  throw new Error("the server sent no connection.close");
}

describe("tuning", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("the server proposes channel_max 2047, frame_max 131072, heartbeat 60 (RabbitMQ's defaults)", async (t) => {
    const client = await raw(t);
    const { tune } = await client.handshake();
    assert.deepEqual(tune, { channelMax: 2047, frameMax: 131_072, heartbeatSeconds: 60 });
    await client.close();
  });

  test("configured limits are what the server proposes", async (t) => {
    const skip = skipIfExternal("channelMax, frameMaxBytes, heartbeatSeconds");
    if (skip) { t.skip(skip); return; }
    const configured = await startTestBroker({ channelMax: 7, frameMaxBytes: 8_192, heartbeatSeconds: 9 });
    t.after(() => configured.stop());
    const client = await RawAmqpClient.connect(configured.port, configured.host);
    t.after(() => client.destroy());
    const { tune } = await client.handshake();
    assert.deepEqual(tune, { channelMax: 7, frameMax: 8_192, heartbeatSeconds: 9 });
  });

  test("a lower frame_max from the client is honoured both ways", async (t) => {
    const client = await raw(t);
    await client.handshake({ frameMax: 4_096 });
    await client.openChannel(1);
    const queue = uniqueName("tune-frame");
    client.sendMethod(1, Method.queueDeclare, new ArgWriter().short(0).shortstr(queue).bit(false).bit(false).bit(false).bit(true).bit(false).table([]).toBuffer());
    await client.expectMethod(Method.queueDeclareOk);
    const body = Buffer.alloc(10_000, 7);
    client.publish(1, "", queue, body); // split by the raw client into 4088-byte body frames
    client.sendMethod(1, Method.basicGet, new ArgWriter().short(0).shortstr(queue).bit(true).toBuffer());
    await client.expectMethod(Method.basicGetOk);
    await client.nextFrame(); // content header
    const parts: Buffer[] = [];
    while (Buffer.concat(parts).length < body.length) {
      const frame = await client.nextFrame();
      assert.equal(frame.type, FrameType.body);
      assert.ok(frame.payload.length + 8 <= 4_096, `body frame of ${frame.payload.length + 8} bytes exceeds frame_max 4096`);
      parts.push(frame.payload);
    }
    assert.deepEqual(Buffer.concat(parts), body);
    // A frame over the negotiated 4096 is a frame error even though the server offered 131072.
    client.write(buildFrame(FrameType.body, 1, Buffer.alloc(5_000)));
    const close = await client.expectConnectionClose();
    assert.equal(close.code, 501);
    // RabbitMQ 3.10.8: "FRAME_ERROR - type 3, all octets = <<>>: {frame_too_large,5000,4088}".
    assert.match(close.text, /^FRAME_ERROR - /);
  });

  test("a lower channel_max from the client is honoured (count of open channels)", async (t) => {
    const client = await raw(t);
    await client.handshake({ channelMax: 3 });
    for (let channel = 1; channel <= 3; channel += 1) await client.openChannel(channel);
    client.sendMethod(4, Method.channelOpen, new ArgWriter().shortstr("").toBuffer());
    const close = await client.expectConnectionClose();
    assert.equal(close.code, 530);
    assert.equal(close.text, "NOT_ALLOWED - number of channels opened (3) has reached the negotiated channel_max (3)");
  });

  // RabbitMQ logs "failed to negotiate connection parameters: negotiated frame_max = 1024 is lower than the
  // minimum allowed value (4096)" and closes the socket (after ~3 s) without sending connection.close.
  for (const [label, values] of [
    ["frame_max below 4096", { frameMax: 1_024 }],
    ["frame_max above the server's", { frameMax: 1_000_000 }],
    ["channel_max above the server's", { channelMax: 5_000 }],
    ["channel_max 0 (no limit)", { channelMax: 0 }],
  ] as const) {
    test(`tune-ok with ${label} is refused`, async (t) => {
      const client = await raw(t);
      let completed = false;
      let closeCode: number | undefined;
      try {
        await client.handshake(values);
        completed = true;
      } catch (error) {
        if (!(error instanceof SocketClosedError)) closeCode = (await closeFromBytes(client)).code;
      }
      assert.equal(completed, false, "the server accepted the tune-ok and opened the connection");
      await client.waitForSocketClose(8_000);
      // When a close frame is sent at all, it is a hard error about the negotiation.
      if (closeCode !== undefined) assert.ok([501, 503, 530].includes(closeCode), `unexpected close code ${closeCode}`);
    });
  }
});

describe("heartbeats", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("a client that negotiates heartbeat=1 and then stays silent is disconnected after ~2 missed beats", async (t) => {
    const client = await raw(t);
    await client.handshake({ heartbeatSeconds: 1 });
    const startedMs = Date.now();
    let heartbeatsSeen = 0;
    for (;;) {
      try {
        const frame = await client.nextFrame(10_000, { includeHeartbeats: true });
        if (frame.type === FrameType.heartbeat) { heartbeatsSeen += 1; continue; }
        // RabbitMQ 3.10.8 drops the socket without a connection.close; a close frame is acceptable too.
        assert.ok(isMethod(frame, Method.connectionClose), `unexpected frame ${frame.type}`);
      } catch (error) {
        assert.ok(error instanceof SocketClosedError, String(error));
        break;
      }
    }
    const elapsedMs = Date.now() - startedMs;
    // RabbitMQ 3.10.8 closed after ~3.0 s and sent heartbeats every ~0.5 s meanwhile.
    assert.ok(elapsedMs >= 1_500 && elapsedMs <= 6_000, `closed after ${elapsedMs} ms`);
    assert.ok(heartbeatsSeen >= 1, "the server sent no heartbeat");
  });

  test("a client that sends heartbeats stays connected", async (t) => {
    const client = await raw(t);
    await client.handshake({ heartbeatSeconds: 1 });
    const timer = setInterval(() => client.sendHeartbeat(), 400);
    t.after(() => clearInterval(timer));
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    assert.equal(client.socketClosed, false);
    await client.openChannel(1);
    clearInterval(timer);
    await client.close();
  });

  test("the server's configured heartbeat applies when the client accepts it", async (t) => {
    const skip = skipIfExternal("heartbeatSeconds");
    if (skip) { t.skip(skip); return; }
    const configured = await startTestBroker({ heartbeatSeconds: 1 });
    t.after(() => configured.stop());
    const connection = await connect(configured.url); // amqplib accepts the server's proposal
    t.after(() => closeQuietly(connection));
    const closed = new Promise<boolean>((resolve) => connection.once("close", () => resolve(true)));
    const stillOpen = await Promise.race([closed, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3_500))]);
    assert.equal(stillOpen, false, "amqplib's heartbeats should keep the connection open");
  });
});

describe("connection.open", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("an unknown vhost → 530 NOT_ALLOWED", async (t) => {
    const client = await raw(t);
    await assert.rejects(client.handshake({ vhost: "no-such-vhost" }), /10\.50/);
    const close = await closeFromBytes(client);
    assert.equal(close.code, 530);
    assert.equal(close.text, "NOT_ALLOWED - vhost no-such-vhost not found"); // RabbitMQ 3.10.8
  });
});

describe("server properties", { timeout: SUITE_TIMEOUT_MS }, () => {
  test("announce RabbitMQ's capabilities", async (t) => {
    const client = await raw(t);
    const { serverProperties } = await client.handshake();
    const capabilities = serverProperties.capabilities;
    assert.equal(capabilities?.type, "F");
    const table = capabilities.value as Record<string, { type: string; value: unknown }>;
    for (const name of ["publisher_confirms", "exchange_exchange_bindings", "basic.nack", "consumer_cancel_notify",
      "connection.blocked", "consumer_priorities", "authentication_failure_close", "per_consumer_qos", "direct_reply_to"]) {
      assert.deepEqual(table[name], { type: "t", value: true }, `capability ${name}`);
    }
    for (const key of ["product", "version", "platform"]) {
      assert.equal(serverProperties[key]?.type, "S", `server property ${key}`);
    }
    await client.close();
  });
});

describe("connection.close", { timeout: SUITE_TIMEOUT_MS }, () => {
  // RabbitMQ 3.10.8 answers close-ok and leaves closing the socket to the client (it did not close it within 5 s).
  test("from the client is answered with close-ok", async (t) => {
    const client = await raw(t);
    await client.handshake();
    await client.openChannel(1);
    client.sendMethod(0, Method.connectionClose, new ArgWriter().short(200).shortstr("Goodbye").short(0).short(0).toBuffer());
    await client.expectMethod(Method.connectionCloseOk);
    client.socket.end();
    await client.waitForSocketClose(5_000);
  });

  test("amqplib's close resolves", async () => {
    const connection = await connect(broker.url);
    await openChannel(connection);
    await connection.close();
  });

  test("a heartbeat frame on a channel other than 0 → 505 UNEXPECTED_FRAME", async (t) => {
    const client = await raw(t);
    await client.handshake();
    client.write(buildFrame(FrameType.heartbeat, 1, Buffer.alloc(0)));
    const close = await client.expectConnectionClose();
    assert.equal(close.code, 505);
    // RabbitMQ 3.10.8: "UNEXPECTED_FRAME - type 8, all octets = <<>>" (an Erlang term; only the prefix is stable).
    assert.match(close.text, /^UNEXPECTED_FRAME - /);
  });

  test("the connection.close reply carries the class and method of a failed method", async (t) => {
    const client = await raw(t);
    await client.handshake();
    client.sendMethod(0, Method.basicQos, new ArgWriter().long(0).short(1).bit(false).toBuffer());
    const close = await client.expectConnectionClose();
    assert.deepEqual(close, { code: 504, text: "CHANNEL_ERROR - unexpected method in connection state running", classId: 60, methodId: 10 });
  });

  // The default user guest may log in only from loopback (RabbitMQ's loopback_users): every test
  // here connects over 127.0.0.1, so loopback-users.test.ts shows it across network namespaces.
});
