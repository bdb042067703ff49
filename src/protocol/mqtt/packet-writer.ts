/**
 * Encoders for the packets the server sends. PUBLISH is the hot one: it is written in one
 * allocation (fixed header, topic, packet id, properties, payload) so a corked socket turns
 * a batch of deliveries into one writev.
 */
import { PacketType, type ProtocolLevel, type Qos } from "./packets.js";
import { encodeProperties, variableIntegerSizeBytes, type MqttProperties } from "./properties.js";
import { ReasonCode } from "./reason-codes.js";

export const PINGRESP = Buffer.from([PacketType.PINGRESP << 4, 0]);

function writeVariableInteger(buffer: Buffer, offset: number, value: number): number {
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    buffer[offset++] = byte;
  } while (value > 0);
  return offset;
}

/** A packet from its first byte and body parts. */
function packet(firstByte: number, parts: readonly Buffer[]): Buffer {
  let remaining = 0;
  for (const part of parts) remaining += part.length;
  const buffer = Buffer.allocUnsafe(1 + variableIntegerSizeBytes(remaining) + remaining);
  buffer[0] = firstByte;
  let offset = writeVariableInteger(buffer, 1, remaining);
  for (const part of parts) offset += part.copy(buffer, offset);
  return buffer;
}

/** Properties with their length prefix; MQTT 5 only. */
export function propertiesBlock(properties: MqttProperties | undefined): Buffer {
  const encoded = properties === undefined ? Buffer.alloc(0) : encodeProperties(properties);
  const length = Buffer.allocUnsafe(variableIntegerSizeBytes(encoded.length));
  writeVariableInteger(length, 0, encoded.length);
  return encoded.length === 0 ? length : Buffer.concat([length, encoded]);
}

/** CONNACK (§3.2): for 3.1.1 `reasonCode` is already the return code. */
export function encodeConnack(protocolLevel: ProtocolLevel, sessionPresent: boolean, reasonCode: number, properties?: MqttProperties): Buffer {
  const head = Buffer.from([sessionPresent ? 1 : 0, reasonCode]);
  if (protocolLevel !== 5) return packet(PacketType.CONNACK << 4, [head]);
  return packet(PacketType.CONNACK << 4, [head, propertiesBlock(properties)]);
}

/** An MQTT 5 PUBLISH with no properties carries a zero property length. */
const EMPTY_PROPERTIES_BLOCK = Buffer.from([0]);

/**
 * PUBLISH (§3.3). `propertiesBlock` is undefined for 3.1.1 clients and a length-prefixed
 * block (at least one zero byte) for MQTT 5 ones.
 */
export function encodePublish(
  topic: Buffer,
  payload: Buffer,
  qos: Qos,
  dup: boolean,
  retain: boolean,
  packetId: number,
  properties: Buffer | undefined,
): Buffer {
  const propertiesBytes = properties === undefined ? 0 : properties.length;
  const remaining = 2 + topic.length + (qos > 0 ? 2 : 0) + propertiesBytes + payload.length;
  const buffer = Buffer.allocUnsafe(1 + variableIntegerSizeBytes(remaining) + remaining);
  buffer[0] = (PacketType.PUBLISH << 4) | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0);
  let offset = writeVariableInteger(buffer, 1, remaining);
  buffer[offset++] = topic.length >> 8;
  buffer[offset++] = topic.length & 0xff;
  offset += topic.copy(buffer, offset);
  if (qos > 0) {
    buffer[offset++] = packetId >> 8;
    buffer[offset++] = packetId & 0xff;
  }
  if (properties !== undefined) offset += properties.copy(buffer, offset);
  payload.copy(buffer, offset);
  return buffer;
}

export { EMPTY_PROPERTIES_BLOCK };

/** The size a PUBLISH would have, to respect the client's Maximum Packet Size [MQTT-3.1.2-24]. */
export function publishSizeBytes(topicBytes: number, payloadBytes: number, qos: Qos, propertiesBytes: number): number {
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + propertiesBytes + payloadBytes;
  return 1 + variableIntegerSizeBytes(remaining) + remaining;
}

/**
 * PUBACK, PUBREC, PUBREL, PUBCOMP (§3.4-3.7). MQTT 5 lets a success code be left out
 * (§3.4.2.1), which keeps these four bytes for every protocol level.
 */
export function encodeAck(type: number, packetId: number, reasonCode: number, protocolLevel: ProtocolLevel, reasonString?: string): Buffer {
  const firstByte = (type << 4) | (type === PacketType.PUBREL ? 0x02 : 0);
  if (protocolLevel !== 5 || (reasonCode === ReasonCode.SUCCESS && reasonString === undefined)) {
    return Buffer.from([firstByte, 2, packetId >> 8, packetId & 0xff]);
  }
  const head = Buffer.from([packetId >> 8, packetId & 0xff, reasonCode]);
  if (reasonString === undefined) return packet(firstByte, [head]);
  return packet(firstByte, [head, propertiesBlock({ reasonString })]);
}

/** SUBACK (§3.9): one return or reason code per subscription, in order [MQTT-3.8.4-6]. */
export function encodeSuback(packetId: number, codes: readonly number[], protocolLevel: ProtocolLevel): Buffer {
  const head = Buffer.from([packetId >> 8, packetId & 0xff]);
  const parts = protocolLevel === 5 ? [head, EMPTY_PROPERTIES_BLOCK, Buffer.from(codes)] : [head, Buffer.from(codes)];
  return packet(PacketType.SUBACK << 4, parts);
}

/** UNSUBACK (§3.11): 3.1.1 has only the packet id; MQTT 5 a reason code per filter. */
export function encodeUnsuback(packetId: number, codes: readonly number[], protocolLevel: ProtocolLevel): Buffer {
  const head = Buffer.from([packetId >> 8, packetId & 0xff]);
  if (protocolLevel !== 5) return packet(PacketType.UNSUBACK << 4, [head]);
  return packet(PacketType.UNSUBACK << 4, [head, EMPTY_PROPERTIES_BLOCK, Buffer.from(codes)]);
}

/** DISCONNECT from the server exists in MQTT 5 only (§3.14); 3.1.1 just closes the connection. */
export function encodeDisconnect(reasonCode: number, reasonString?: string): Buffer {
  if (reasonString === undefined) return packet(PacketType.DISCONNECT << 4, [Buffer.from([reasonCode, 0])]);
  return packet(PacketType.DISCONNECT << 4, [Buffer.from([reasonCode]), propertiesBlock({ reasonString })]);
}
