/**
 * The MQTT codec: fixtures of every client packet decoded, each fed split at every byte
 * (STYLE.md practice 17), the size limit checked before the body arrives, and seeded random
 * input that must only ever produce packets or MqttProtocolError.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PacketParser } from "../../../../src/protocol/mqtt/packet-parser.js";
import { MqttProtocolError, ReasonCode } from "../../../../src/protocol/mqtt/reason-codes.js";
import {
  decodeAck, decodeConnect, decodeDisconnect, decodePublish, decodeSubscribe, decodeUnsubscribe, PacketType,
} from "../../../../src/protocol/mqtt/packets.js";
import { encodeAck, encodePublish, encodeSuback, propertiesBlock } from "../../../../src/protocol/mqtt/packet-writer.js";
import { connectPacket, mqttString, packet } from "../../../helpers/mqtt.js";

interface Parsed {
  type: number;
  flags: number;
  body: Buffer;
}

function parseAll(chunks: Buffer[], maxPacketSizeBytes = 1 << 20): Parsed[] {
  const parsed: Parsed[] = [];
  const parser = new PacketParser({ onPacket: (type, flags, body) => parsed.push({ type, flags, body: Buffer.from(body) }) }, maxPacketSizeBytes);
  for (const chunk of chunks) parser.feed(chunk);
  return parsed;
}

const fixtures: [string, Buffer][] = [
  ["CONNECT 3.1.1", connectPacket("client-1")],
  ["CONNECT 5", connectPacket("client-5", 5)],
  ["PUBLISH QoS 0", packet(0x30, Buffer.concat([mqttString("a/b"), Buffer.from("hello")]))],
  ["PUBLISH QoS 2 large", packet(0x34, Buffer.concat([mqttString("big"), Buffer.from([0, 9]), Buffer.alloc(300, 7)]))],
  ["PUBACK", packet(0x40, [0, 1])],
  ["PUBREL", packet(0x62, [0, 2])],
  ["SUBSCRIBE", packet(0x82, Buffer.concat([Buffer.from([0, 3]), mqttString("x/+"), Buffer.from([1])]))],
  ["PINGREQ", Buffer.from([0xc0, 0])],
  ["DISCONNECT", Buffer.from([0xe0, 0])],
];

test("every fixture parses the same whole and split at every byte", () => {
  const stream = Buffer.concat(fixtures.map(([, bytes]) => bytes));
  const whole = parseAll([stream]);
  assert.deepEqual(whole.map((parsed) => parsed.type), [1, 1, 3, 3, 4, 6, 8, 12, 14]);
  for (let split = 1; split < stream.length; split++) {
    assert.deepEqual(parseAll([stream.subarray(0, split), stream.subarray(split)]), whole, `split at ${split}`);
  }
  const byteByByte = parseAll([...stream].map((byte) => Buffer.from([byte])));
  assert.deepEqual(byteByByte, whole);
});

test("decoders read the fixtures", () => {
  const [connect3, connect5, publish0, publish2, puback, pubrel, subscribe] = parseAll(fixtures.map(([, bytes]) => bytes));
  assert.equal(decodeConnect(connect3.flags, connect3.body).clientId, "client-1");
  const v5 = decodeConnect(connect5.flags, connect5.body);
  assert.deepEqual([v5.protocolLevel, v5.username, v5.password?.toString(), v5.cleanStart], [5, "guest", "guest", true]);
  const publish = decodePublish(publish0.flags, publish0.body, 4);
  assert.deepEqual([publish.topic, publish.payload.toString(), publish.qos], ["a/b", "hello", 0]);
  const large = decodePublish(publish2.flags, publish2.body, 4);
  assert.deepEqual([large.qos, large.packetId, large.payload.length], [2, 9, 300]);
  assert.equal(decodeAck(PacketType.PUBACK, puback.flags, puback.body, 4).packetId, 1);
  assert.equal(decodeAck(PacketType.PUBREL, pubrel.flags, pubrel.body, 4).packetId, 2);
  assert.deepEqual(decodeSubscribe(subscribe.flags, subscribe.body, 4).subscriptions.map((entry) => [entry.filter, entry.qos]), [["x/+", 1]]);
  assert.deepEqual(decodeUnsubscribe(2, Buffer.concat([Buffer.from([0, 4]), mqttString("x/+")]), 4).filters, ["x/+"]);
  assert.equal(decodeDisconnect(0, Buffer.from([0x04, 0]), 5).reasonCode, 0x04);
});

test("the size limit is checked on the length field, before the body arrives", () => {
  const parsed: Parsed[] = [];
  const parser = new PacketParser({ onPacket: (type, flags, body) => parsed.push({ type, flags, body }) }, 100);
  assert.throws(() => parser.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f])), (error: MqttProtocolError) => error.reasonCode === ReasonCode.PACKET_TOO_LARGE);
  const exact = new PacketParser({ onPacket: (type, flags, body) => parsed.push({ type, flags, body }) }, 100);
  exact.feed(Buffer.concat([Buffer.from([0x30, 98]), Buffer.alloc(98)]));
  assert.equal(parsed.length, 1);
  assert.throws(() => exact.feed(Buffer.from([0x30, 99])), MqttProtocolError);
});

test("a remaining length longer than four bytes is malformed", () => {
  assert.throws(() => parseAll([Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])]), (error: MqttProtocolError) => error.reasonCode === ReasonCode.MALFORMED_PACKET);
});

test("malformed bodies are refused with the right reason", () => {
  const reason = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return (error as MqttProtocolError).reasonCode;
    }
    return undefined;
  };
  assert.equal(reason(() => decodePublish(0x06, Buffer.concat([mqttString("a"), Buffer.from([0, 1])]), 4)), ReasonCode.MALFORMED_PACKET); // QoS 3
  assert.equal(reason(() => decodePublish(0x08, Buffer.concat([mqttString("a")]), 4)), ReasonCode.MALFORMED_PACKET); // DUP on QoS 0
  assert.equal(reason(() => decodePublish(0x02, Buffer.concat([mqttString("a"), Buffer.from([0, 0])]), 4)), ReasonCode.MALFORMED_PACKET); // packet id 0
  assert.equal(reason(() => decodePublish(0, Buffer.from([0, 2, 0xc3, 0x28]), 4)), ReasonCode.MALFORMED_PACKET); // invalid UTF-8
  assert.equal(reason(() => decodePublish(0, Buffer.from([0, 1, 0]), 4)), ReasonCode.MALFORMED_PACKET); // U+0000
  assert.equal(reason(() => decodeSubscribe(0x00, Buffer.from([0, 1]), 4)), ReasonCode.MALFORMED_PACKET); // wrong flags
  assert.equal(reason(() => decodeSubscribe(0x02, Buffer.concat([Buffer.from([0, 1]), mqttString("a"), Buffer.from([3])]), 4)), ReasonCode.MALFORMED_PACKET);
  assert.equal(reason(() => decodeConnect(0, Buffer.concat([mqttString("MQTT"), Buffer.from([4, 0x01, 0, 0]), mqttString("x")]))), ReasonCode.MALFORMED_PACKET);
  assert.equal(reason(() => decodeConnect(0, Buffer.concat([mqttString("MQTT"), Buffer.from([6, 0x02, 0, 0]), mqttString("x")]))), ReasonCode.UNSUPPORTED_PROTOCOL_VERSION);
  // A property twice, and a property the packet may not carry, are protocol errors (MQTT 5 §2.2.2.2).
  assert.equal(reason(() => decodePublish(0, Buffer.concat([mqttString("a"), Buffer.from([4, 0x01, 1, 0x01, 1])]), 5)), ReasonCode.PROTOCOL_ERROR);
  assert.equal(reason(() => decodePublish(0, Buffer.concat([mqttString("a"), Buffer.from([5, 0x11, 0, 0, 0, 1])]), 5)), ReasonCode.PROTOCOL_ERROR);
});

test("encoders write what the decoders read", () => {
  const properties = propertiesBlock({ contentType: "text/plain", userProperties: [["k", "v"]] });
  const publish = encodePublish(Buffer.from("t/1"), Buffer.from("body"), 1, true, false, 77, properties);
  const [parsed] = parseAll([publish]);
  const decoded = decodePublish(parsed.flags, parsed.body, 5);
  assert.deepEqual([decoded.topic, decoded.dup, decoded.packetId, decoded.payload.toString()], ["t/1", true, 77, "body"]);
  assert.equal(decoded.properties.contentType, "text/plain");
  assert.deepEqual(encodeAck(PacketType.PUBACK, 258, 0, 5), Buffer.from([0x40, 2, 1, 2]));
  assert.deepEqual(encodeAck(PacketType.PUBACK, 1, 0x10, 5), Buffer.from([0x40, 3, 0, 1, 0x10]));
  assert.deepEqual(encodeSuback(5, [0, 1, 0x80], 4), Buffer.from([0x90, 5, 0, 5, 0, 1, 0x80]));
  assert.deepEqual(encodeSuback(5, [2], 5), Buffer.from([0x90, 4, 0, 5, 0, 2]));
});

test("seeded random input yields packets or MqttProtocolError, never anything else", () => {
  const seed = Number(process.env.WARREN_FUZZ_SEED ?? 20_241_121);
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const decoders = [
    (flags: number, body: Buffer) => decodeConnect(flags, body),
    (flags: number, body: Buffer) => decodePublish(flags, body, 5),
    (flags: number, body: Buffer) => decodeSubscribe(flags, body, 5),
    (flags: number, body: Buffer) => decodeDisconnect(flags, body, 5),
    (flags: number, body: Buffer) => decodeAck(PacketType.PUBREC, flags, body, 5),
  ];
  for (let round = 0; round < 3_000; round++) {
    const length = Math.floor(random() * 40);
    const body = Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
    const decode = decoders[round % decoders.length];
    try {
      decode(Math.floor(random() * 16), body);
    } catch (error) {
      assert.ok(error instanceof MqttProtocolError, `seed ${seed} round ${round}: ${String(error)}`);
    }
  }
});
