/**
 * MQTT 5 properties (§2.2.2): decoded into a plain object, encoded back for the packets the
 * server sends. A property that appears twice (other than User Property and, in PUBLISH,
 * Subscription Identifier) or in a packet that may not carry it is a Protocol Error
 * (§2.2.2.2).
 */
import { malformed, protocolError } from "./reason-codes.js";
import type { PacketReader } from "./packet-reader.js";

export interface MqttProperties {
  payloadFormatIndicator?: number;
  messageExpiryIntervalSeconds?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  subscriptionIdentifiers?: number[];
  sessionExpiryIntervalSeconds?: number;
  assignedClientIdentifier?: string;
  serverKeepAliveSeconds?: number;
  authenticationMethod?: string;
  authenticationData?: Buffer;
  requestProblemInformation?: number;
  willDelayIntervalSeconds?: number;
  requestResponseInformation?: number;
  responseInformation?: string;
  serverReference?: string;
  reasonString?: string;
  receiveMaximum?: number;
  topicAliasMaximum?: number;
  topicAlias?: number;
  maximumQos?: number;
  retainAvailable?: number;
  userProperties?: [string, string][];
  maximumPacketSizeBytes?: number;
  wildcardSubscriptionAvailable?: number;
  subscriptionIdentifierAvailable?: number;
  sharedSubscriptionAvailable?: number;
}

export type PropertyName = keyof MqttProperties;
type Kind = "byte" | "uint16" | "uint32" | "varint" | "string" | "binary" | "pair";

/** Where a property may appear (MQTT 5 §2.2.2.2's table). */
export const PacketContext = Object.freeze({
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 4,
  WILL: 8,
  ACK: 16, // PUBACK, PUBREC, PUBREL, PUBCOMP
  SUBSCRIBE: 32,
  SUBACK: 64,
  UNSUBSCRIBE: 128,
  UNSUBACK: 256,
  DISCONNECT: 512,
  AUTH: 1024,
});
const C = PacketContext;
const REPLIES = C.CONNACK | C.ACK | C.SUBACK | C.UNSUBACK | C.DISCONNECT | C.AUTH;

interface Definition {
  readonly identifier: number;
  readonly name: PropertyName;
  readonly kind: Kind;
  readonly contexts: number;
}

const DEFINITIONS: readonly Definition[] = [
  { identifier: 0x01, name: "payloadFormatIndicator", kind: "byte", contexts: C.PUBLISH | C.WILL },
  { identifier: 0x02, name: "messageExpiryIntervalSeconds", kind: "uint32", contexts: C.PUBLISH | C.WILL },
  { identifier: 0x03, name: "contentType", kind: "string", contexts: C.PUBLISH | C.WILL },
  { identifier: 0x08, name: "responseTopic", kind: "string", contexts: C.PUBLISH | C.WILL },
  { identifier: 0x09, name: "correlationData", kind: "binary", contexts: C.PUBLISH | C.WILL },
  { identifier: 0x0b, name: "subscriptionIdentifiers", kind: "varint", contexts: C.PUBLISH | C.SUBSCRIBE },
  { identifier: 0x11, name: "sessionExpiryIntervalSeconds", kind: "uint32", contexts: C.CONNECT | C.CONNACK | C.DISCONNECT },
  { identifier: 0x12, name: "assignedClientIdentifier", kind: "string", contexts: C.CONNACK },
  { identifier: 0x13, name: "serverKeepAliveSeconds", kind: "uint16", contexts: C.CONNACK },
  { identifier: 0x15, name: "authenticationMethod", kind: "string", contexts: C.CONNECT | C.CONNACK | C.AUTH },
  { identifier: 0x16, name: "authenticationData", kind: "binary", contexts: C.CONNECT | C.CONNACK | C.AUTH },
  { identifier: 0x17, name: "requestProblemInformation", kind: "byte", contexts: C.CONNECT },
  { identifier: 0x18, name: "willDelayIntervalSeconds", kind: "uint32", contexts: C.WILL },
  { identifier: 0x19, name: "requestResponseInformation", kind: "byte", contexts: C.CONNECT },
  { identifier: 0x1a, name: "responseInformation", kind: "string", contexts: C.CONNACK },
  { identifier: 0x1c, name: "serverReference", kind: "string", contexts: C.CONNACK | C.DISCONNECT },
  { identifier: 0x1f, name: "reasonString", kind: "string", contexts: REPLIES },
  { identifier: 0x21, name: "receiveMaximum", kind: "uint16", contexts: C.CONNECT | C.CONNACK },
  { identifier: 0x22, name: "topicAliasMaximum", kind: "uint16", contexts: C.CONNECT | C.CONNACK },
  { identifier: 0x23, name: "topicAlias", kind: "uint16", contexts: C.PUBLISH },
  { identifier: 0x24, name: "maximumQos", kind: "byte", contexts: C.CONNACK },
  { identifier: 0x25, name: "retainAvailable", kind: "byte", contexts: C.CONNACK },
  { identifier: 0x26, name: "userProperties", kind: "pair", contexts: 0x7ff },
  { identifier: 0x27, name: "maximumPacketSizeBytes", kind: "uint32", contexts: C.CONNECT | C.CONNACK },
  { identifier: 0x28, name: "wildcardSubscriptionAvailable", kind: "byte", contexts: C.CONNACK },
  { identifier: 0x29, name: "subscriptionIdentifierAvailable", kind: "byte", contexts: C.CONNACK },
  { identifier: 0x2a, name: "sharedSubscriptionAvailable", kind: "byte", contexts: C.CONNACK },
];

const BY_IDENTIFIER: (Definition | undefined)[] = [];
const BY_NAME = new Map<PropertyName, Definition>();
for (const definition of DEFINITIONS) {
  BY_IDENTIFIER[definition.identifier] = definition;
  BY_NAME.set(definition.name, definition);
}

export const NO_PROPERTIES: MqttProperties = Object.freeze({}) as MqttProperties;

/** Reads a property length and the properties that follow; `context` is one PacketContext bit. */
export function readProperties(reader: PacketReader, context: number): MqttProperties {
  const length = reader.variableInteger("property length");
  if (length === 0) return NO_PROPERTIES;
  if (length > reader.remainingBytes) throw malformed("property length exceeds the packet");
  const end = reader.offset + length;
  const savedEnd = reader.end;
  reader.end = end;
  const properties: MqttProperties = {};
  const record = properties as Record<string, unknown>;
  try {
    while (reader.offset < end) {
      const identifier = reader.variableInteger("property identifier");
      const definition = BY_IDENTIFIER[identifier];
      if (definition === undefined) throw malformed(`unknown property identifier 0x${identifier.toString(16)}`);
      if ((definition.contexts & context) === 0) throw protocolError(`property ${definition.name} is not allowed here`);
      const value = readValue(reader, definition);
      if (definition.kind === "pair") {
        (properties.userProperties ??= []).push(value as [string, string]);
      } else if (definition.name === "subscriptionIdentifiers") {
        if ((value as number) === 0) throw protocolError("subscription identifier 0");
        if (context !== C.PUBLISH && properties.subscriptionIdentifiers !== undefined) throw protocolError("subscription identifier given twice");
        (properties.subscriptionIdentifiers ??= []).push(value as number);
      } else {
        if (record[definition.name] !== undefined) throw protocolError(`property ${definition.name} given twice`);
        record[definition.name] = value;
      }
    }
  } finally {
    reader.end = savedEnd;
  }
  return properties;
}

function readValue(reader: PacketReader, definition: Definition): unknown {
  switch (definition.kind) {
    case "byte":
      return reader.uint8(definition.name);
    case "uint16":
      return reader.uint16(definition.name);
    case "uint32":
      return reader.uint32(definition.name);
    case "varint":
      return reader.variableInteger(definition.name);
    case "string":
      return reader.string(definition.name);
    case "binary":
      return Buffer.from(reader.binary(definition.name)); // kept beyond the packet: copy out of the socket chunk
    case "pair":
      return [reader.string("user property name"), reader.string("user property value")];
  }
}

// ---- encoding ------------------------------------------------------------------------------

/** The encoded properties, without their length prefix. */
export function encodeProperties(properties: MqttProperties): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(properties) as [PropertyName, unknown][]) {
    if (value === undefined) continue;
    const definition = BY_NAME.get(name);
    if (definition === undefined) continue;
    if (definition.kind === "pair") {
      for (const [key, text] of value as [string, string][]) parts.push(Buffer.from([definition.identifier]), stringBytes(key), stringBytes(text));
    } else if (name === "subscriptionIdentifiers") {
      for (const identifier of value as number[]) parts.push(Buffer.from([definition.identifier]), variableIntegerBytes(identifier));
    } else {
      parts.push(Buffer.from([definition.identifier]), valueBytes(definition.kind, value));
    }
  }
  return Buffer.concat(parts);
}

function valueBytes(kind: Kind, value: unknown): Buffer {
  switch (kind) {
    case "byte":
      return Buffer.from([value as number]);
    case "uint16": {
      const bytes = Buffer.allocUnsafe(2);
      bytes.writeUInt16BE(value as number);
      return bytes;
    }
    case "uint32": {
      const bytes = Buffer.allocUnsafe(4);
      bytes.writeUInt32BE(value as number);
      return bytes;
    }
    case "varint":
      return variableIntegerBytes(value as number);
    case "string":
      return stringBytes(value as string);
    case "binary": {
      const data = value as Buffer;
      const bytes = Buffer.allocUnsafe(2 + data.length);
      bytes.writeUInt16BE(data.length);
      data.copy(bytes, 2);
      return bytes;
    }
    case "pair":
      throw new Error("pairs are encoded by the caller");
  }
}

export function stringBytes(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const bytes = Buffer.allocUnsafe(2 + length);
  bytes.writeUInt16BE(length);
  bytes.write(text, 2);
  return bytes;
}

export function variableIntegerBytes(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}

export function variableIntegerSizeBytes(value: number): number {
  return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
}
