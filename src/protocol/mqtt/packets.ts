/**
 * The packets a client sends, decoded from one packet body (MQTT 3.1.1 §3, MQTT 5 §3).
 * Fixed-header flags are checked as the specs require ([MQTT-2.2.2-1], [MQTT-3.8.1-1]);
 * any breach throws MqttProtocolError with Malformed Packet or Protocol Error.
 */
import { ReasonCode, MqttProtocolError, malformed, protocolError } from "./reason-codes.js";
import { PacketReader } from "./packet-reader.js";
import { NO_PROPERTIES, PacketContext, readProperties, type MqttProperties } from "./properties.js";

export const PacketType = Object.freeze({
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
  AUTH: 15,
});

/** Protocol levels: 3 is MQTT 3.1 ("MQIsdp"), 4 is 3.1.1, 5 is 5.0. */
export type ProtocolLevel = 3 | 4 | 5;
export type Qos = 0 | 1 | 2;

export interface Will {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly properties: MqttProperties;
}

export interface ConnectPacket {
  readonly protocolLevel: ProtocolLevel;
  readonly cleanStart: boolean;
  readonly keepAliveSeconds: number;
  readonly clientId: string;
  readonly will: Will | undefined;
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
  readonly properties: MqttProperties;
}

export interface PublishPacket {
  readonly dup: boolean;
  readonly qos: Qos;
  readonly retain: boolean;
  /** Empty when the client sent a topic alias alone (MQTT 5 §3.3.2.3.4). */
  readonly topic: string;
  readonly packetId: number;
  readonly properties: MqttProperties;
  readonly payload: Buffer;
}

export interface Subscription {
  readonly filter: string;
  readonly qos: Qos;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  /** 0 send retained on subscribe, 1 only if the subscription is new, 2 never (MQTT 5 §3.8.3.1). */
  readonly retainHandling: 0 | 1 | 2;
}

export interface SubscribePacket {
  readonly packetId: number;
  readonly subscriptionIdentifier: number | undefined;
  readonly properties: MqttProperties;
  readonly subscriptions: Subscription[];
}

export interface UnsubscribePacket {
  readonly packetId: number;
  readonly filters: string[];
}

export interface AckPacket {
  readonly packetId: number;
  readonly reasonCode: number;
}

export interface DisconnectPacket {
  readonly reasonCode: number;
  readonly properties: MqttProperties;
}

/** The CONNECT packet: protocol name and level decide everything after them [MQTT-3.1.2-1, -2]. */
export function decodeConnect(flags: number, body: Buffer): ConnectPacket {
  if (flags !== 0) throw malformed("CONNECT fixed header flags must be 0");
  const reader = new PacketReader().reset(body);
  const protocolName = reader.string("protocol name");
  const level = reader.uint8("protocol level");
  if (!((protocolName === "MQTT" && (level === 4 || level === 5)) || (protocolName === "MQIsdp" && level === 3))) {
    if (protocolName !== "MQTT" && protocolName !== "MQIsdp") throw protocolError(`unknown protocol name '${protocolName}'`);
    throw new MqttProtocolError(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, `unsupported protocol level ${level}`);
  }
  const protocolLevel = level as ProtocolLevel;
  const connectFlags = reader.uint8("connect flags");
  if ((connectFlags & 0x01) !== 0) throw malformed("CONNECT reserved flag set"); // [MQTT-3.1.2-3]
  const cleanStart = (connectFlags & 0x02) !== 0;
  const willFlag = (connectFlags & 0x04) !== 0;
  const willQos = (connectFlags >> 3) & 0x03;
  const willRetain = (connectFlags & 0x20) !== 0;
  const hasPassword = (connectFlags & 0x40) !== 0;
  const hasUsername = (connectFlags & 0x80) !== 0;
  if (willQos === 3) throw malformed("will QoS 3"); // [MQTT-3.1.2-14]
  if (!willFlag && (willQos !== 0 || willRetain)) throw malformed("will QoS or retain without will flag"); // [MQTT-3.1.2-13, -15]
  if (protocolLevel === 4 && hasPassword && !hasUsername) throw malformed("password without user name"); // [MQTT-3.1.2-22]
  const keepAliveSeconds = reader.uint16("keep alive");
  const properties = protocolLevel === 5 ? readProperties(reader, PacketContext.CONNECT) : NO_PROPERTIES;
  const clientId = reader.string("client identifier");
  let will: Will | undefined;
  if (willFlag) {
    const willProperties = protocolLevel === 5 ? readProperties(reader, PacketContext.WILL) : NO_PROPERTIES;
    const topic = reader.string("will topic");
    const payload = Buffer.from(reader.binary("will payload"));
    will = { topic, payload, qos: willQos as Qos, retain: willRetain, properties: willProperties };
  }
  const username = hasUsername ? reader.string("user name") : undefined;
  const password = hasPassword ? Buffer.from(reader.binary("password")) : undefined;
  reader.expectEnd("CONNECT");
  return { protocolLevel, cleanStart, keepAliveSeconds, clientId, will, username, password, properties };
}

const publishReader = new PacketReader();

/** PUBLISH (§3.3): the payload stays a view of `body`; the caller decides whether to copy it. */
export function decodePublish(flags: number, body: Buffer, protocolLevel: ProtocolLevel): PublishPacket {
  const qos = (flags >> 1) & 0x03;
  if (qos === 3) throw malformed("PUBLISH with QoS 3"); // [MQTT-3.3.1-4]
  const dup = (flags & 0x08) !== 0;
  if (qos === 0 && dup) throw malformed("DUP set on a QoS 0 PUBLISH"); // [MQTT-3.3.1-2]
  const reader = publishReader.reset(body);
  const topic = reader.string("topic name");
  let packetId = 0;
  if (qos > 0) {
    packetId = reader.uint16("packet identifier");
    if (packetId === 0) throw malformed("packet identifier 0"); // [MQTT-2.3.1-1]
  }
  const properties = protocolLevel === 5 ? readProperties(reader, PacketContext.PUBLISH) : NO_PROPERTIES;
  if (properties.subscriptionIdentifiers !== undefined) throw protocolError("a client may not send a subscription identifier in PUBLISH"); // [MQTT-3.3.4-6]
  const payload = reader.rest();
  return { dup, qos: qos as Qos, retain: (flags & 0x01) !== 0, topic, packetId, properties, payload };
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP: packet id, then in MQTT 5 an optional reason code and properties (§3.4.2.1). */
export function decodeAck(type: number, flags: number, body: Buffer, protocolLevel: ProtocolLevel): AckPacket {
  const expectedFlags = type === PacketType.PUBREL ? 0x02 : 0x00;
  if (flags !== expectedFlags) throw malformed("wrong fixed header flags on an acknowledgement"); // [MQTT-3.6.1-1]
  const reader = new PacketReader().reset(body);
  const packetId = reader.uint16("packet identifier");
  if (packetId === 0) throw malformed("packet identifier 0");
  let reasonCode: number = ReasonCode.SUCCESS;
  if (protocolLevel === 5 && reader.remainingBytes > 0) {
    reasonCode = reader.uint8("reason code");
    if (reader.remainingBytes > 0) readProperties(reader, PacketContext.ACK);
  }
  reader.expectEnd("acknowledgement");
  return { packetId, reasonCode };
}

export function decodeSubscribe(flags: number, body: Buffer, protocolLevel: ProtocolLevel): SubscribePacket {
  if (flags !== 0x02) throw malformed("SUBSCRIBE fixed header flags must be 0010"); // [MQTT-3.8.1-1]
  const reader = new PacketReader().reset(body);
  const packetId = reader.uint16("packet identifier");
  if (packetId === 0) throw malformed("packet identifier 0");
  const properties = protocolLevel === 5 ? readProperties(reader, PacketContext.SUBSCRIBE) : NO_PROPERTIES;
  const subscriptions: Subscription[] = [];
  while (reader.remainingBytes > 0) {
    const filter = reader.string("topic filter");
    const options = reader.uint8("subscription options");
    const qos = options & 0x03;
    const retainHandling = (options >> 4) & 0x03;
    if (qos === 3) throw malformed("subscription QoS 3"); // [MQTT-3-8.3-4]
    if (protocolLevel === 5 ? (options & 0xc0) !== 0 || retainHandling === 3 : (options & 0xfc) !== 0) {
      throw malformed("reserved bits set in subscription options"); // [MQTT-3.8.3-5]
    }
    subscriptions.push({
      filter,
      qos: qos as Qos,
      noLocal: protocolLevel === 5 && (options & 0x04) !== 0,
      retainAsPublished: protocolLevel === 5 && (options & 0x08) !== 0,
      retainHandling: retainHandling as 0 | 1 | 2,
    });
  }
  if (subscriptions.length === 0) throw protocolError("SUBSCRIBE without a topic filter"); // [MQTT-3.8.3-3]
  return { packetId, subscriptionIdentifier: properties.subscriptionIdentifiers?.[0], properties, subscriptions };
}

export function decodeUnsubscribe(flags: number, body: Buffer, protocolLevel: ProtocolLevel): UnsubscribePacket {
  if (flags !== 0x02) throw malformed("UNSUBSCRIBE fixed header flags must be 0010"); // [MQTT-3.10.1-1]
  const reader = new PacketReader().reset(body);
  const packetId = reader.uint16("packet identifier");
  if (packetId === 0) throw malformed("packet identifier 0");
  if (protocolLevel === 5) readProperties(reader, PacketContext.UNSUBSCRIBE);
  const filters: string[] = [];
  while (reader.remainingBytes > 0) filters.push(reader.string("topic filter"));
  if (filters.length === 0) throw protocolError("UNSUBSCRIBE without a topic filter"); // [MQTT-3.10.3-2]
  return { packetId, filters };
}

export function decodeDisconnect(flags: number, body: Buffer, protocolLevel: ProtocolLevel): DisconnectPacket {
  if (flags !== 0) throw malformed("DISCONNECT fixed header flags must be 0");
  if (protocolLevel !== 5) {
    if (body.length !== 0) throw malformed("DISCONNECT with a body");
    return { reasonCode: ReasonCode.SUCCESS, properties: NO_PROPERTIES };
  }
  const reader = new PacketReader().reset(body);
  const reasonCode = reader.remainingBytes > 0 ? reader.uint8("reason code") : ReasonCode.SUCCESS;
  const properties = reader.remainingBytes > 0 ? readProperties(reader, PacketContext.DISCONNECT) : NO_PROPERTIES;
  reader.expectEnd("DISCONNECT");
  return { reasonCode, properties };
}

export function checkEmpty(name: string, flags: number, body: Buffer): void {
  if (flags !== 0) throw malformed(`${name} fixed header flags must be 0`);
  if (body.length !== 0) throw malformed(`${name} with a body`);
}
