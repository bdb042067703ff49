/**
 * CONNECT (MQTT 3.1.1 §3.1, MQTT 5 §3.1): client identifier, authentication against Warren's
 * users, the vhost, the will, and taking over or resuming the session.
 *
 * As in RabbitMQ: a user name `vhost:user` picks the vhost, otherwise `mqtt.vhost` applies;
 * a client without user name and password logs in as `mqtt.default_user` when
 * `mqtt.allow_anonymous` is on; loopback-only users (guest) may connect from loopback only.
 */
import { restoreSession } from "./subscribe.js";
import { isIP } from "node:net";
import { checkPermitted } from "../../auth/permissions.js";
import type { User } from "../../auth/users.js";
import type { Vhost } from "../../broker/vhost.js";
import { BrokerError } from "../../errors/registry.js";
import { MQTT_CLIENT_ID_BYTES_MAX, MQTT_OUTBOUND_INFLIGHT_MAX, MQTT_PACKET_SIZE_BYTES_LIMIT, MQTT_TOPIC_ALIAS_MAXIMUM } from "../../config/limits.js";
import type { MqttContext } from "./context.js";
import { Session } from "./session.js";
import type { ConnectPacket } from "./packets.js";
import type { MqttProperties } from "./properties.js";
import { MqttProtocolError, ReasonCode, protocolError } from "./reason-codes.js";
import { checkTopicName } from "./topic.js";

export interface Accepted {
  readonly session: Session;
  readonly sessionPresent: boolean;
  readonly user: User;
  readonly vhost: Vhost;
  readonly clientReceiveMaximum: number;
  readonly clientMaxPacketSizeBytes: number;
  readonly connackProperties: MqttProperties;
  /**
   * Settles once the end of this client id's previous session is on disk; the CONNACK and
   * everything after it wait (undefined almost always: nothing to wait for).
   */
  readonly ready: Promise<void> | undefined;
}

const refuse = (reasonCode: number, message: string): MqttProtocolError => new MqttProtocolError(reasonCode, message);

export function acceptConnect(context: MqttContext, packet: ConnectPacket, peerAddress: string): Accepted {
  const v5 = packet.protocolLevel === 5;
  const properties = packet.properties;
  if (properties.authenticationMethod !== undefined) throw refuse(ReasonCode.BAD_AUTHENTICATION_METHOD, "enhanced authentication is not supported");
  if (properties.receiveMaximum === 0) throw protocolError("receive maximum 0"); // MQTT 5 §3.1.2.11.3
  if (properties.maximumPacketSizeBytes === 0) throw protocolError("maximum packet size 0");
  let clientId = packet.clientId;
  let assigned = false;
  if (clientId.length === 0) {
    // 3.1.1 allows an empty id only with a clean session [MQTT-3.1.3-7, -8]; MQTT 5 always assigns one.
    if (!v5 && !packet.cleanStart) throw refuse(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "empty client id without clean session");
    clientId = `warren-${context.broker.io.random.bytes(12).toString("hex")}`;
    assigned = true;
  }
  if (Buffer.byteLength(clientId) > MQTT_CLIENT_ID_BYTES_MAX) throw refuse(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, `client id longer than ${MQTT_CLIENT_ID_BYTES_MAX} bytes`);

  const { user, vhost } = authenticate(context, packet, peerAddress);
  if (packet.will !== undefined) {
    checkTopicName(packet.will.topic);
    try {
      checkPermitted(user, vhost.name, "write", "exchange", context.options.exchange);
    } catch {
      throw refuse(ReasonCode.NOT_AUTHORIZED, "no write permission for the will");
    }
  }

  const key = context.sessionKey(vhost.name, clientId);
  let existing = context.sessions.get(key);
  // A session belongs to its vhost and its user: another user may neither take it over, nor
  // end it with a clean start, nor close its connection (RabbitMQ lets anyone with the
  // permissions on its queues do so; refusing is the stricter choice, see mqtt.md).
  if (existing !== undefined && !existing.ended && existing.user.name !== user.name) {
    throw refuse(ReasonCode.NOT_AUTHORIZED, `client id '${clientId}' has a session of another user`);
  }
  existing?.connection?.takeOver(); // the older connection goes [MQTT-3.1.4-3]
  existing = context.sessions.get(key);
  if (existing !== undefined && (packet.cleanStart || existing.ended)) {
    context.endSession(existing); // [MQTT-3.1.2-4]
    existing = undefined;
  }
  // A session only the disk remembers (the node restarted) ends with a clean start too.
  if (packet.cleanStart) context.inboundQos2.drop(key);
  if (existing === undefined && !packet.cleanStart) existing = restoreSession(context, key, clientId, vhost, user);
  const requestedExpirySeconds = v5 ? (properties.sessionExpiryIntervalSeconds ?? 0) : packet.cleanStart ? 0 : Number.MAX_SAFE_INTEGER;
  const expirySeconds = Math.min(requestedExpirySeconds, context.options.maxSessionExpirySeconds);
  const session = existing ?? new Session(key, clientId, vhost, user, context.broker.io.time);
  session.user = user;
  session.expiryIntervalSeconds = expirySeconds;
  context.sessions.set(key, session);
  context.cancelWill(key);

  const connackProperties: MqttProperties = {};
  if (v5) {
    connackProperties.maximumPacketSizeBytes = context.options.maxPacketSizeBytes;
    connackProperties.topicAliasMaximum = MQTT_TOPIC_ALIAS_MAXIMUM;
    if (assigned) connackProperties.assignedClientIdentifier = clientId;
    if (expirySeconds !== requestedExpirySeconds) connackProperties.sessionExpiryIntervalSeconds = expirySeconds;
  }
  return {
    session,
    sessionPresent: existing !== undefined,
    user,
    vhost,
    clientReceiveMaximum: Math.min(properties.receiveMaximum ?? 65_535, MQTT_OUTBOUND_INFLIGHT_MAX),
    // Without a Maximum Packet Size the client takes anything MQTT can express; a larger AMQP message is not sent.
    clientMaxPacketSizeBytes: Math.min(properties.maximumPacketSizeBytes ?? MQTT_PACKET_SIZE_BYTES_LIMIT, MQTT_PACKET_SIZE_BYTES_LIMIT),
    connackProperties,
    // A client told that its session is gone must not find its old QoS 2 ids after a crash.
    ready: context.inboundQos2.pendingEnd(key),
  };
}

function authenticate(context: MqttContext, packet: ConnectPacket, peerAddress: string): { user: User; vhost: Vhost } {
  const { broker, options } = context;
  let username = packet.username;
  let password = packet.password?.toString("utf8");
  let vhostName = options.vhost;
  if (username === undefined && password === undefined) {
    if (!options.allowAnonymous) throw refuse(ReasonCode.NOT_AUTHORIZED, "anonymous connections are not allowed");
    username = options.defaultUser;
    password = options.defaultPass;
  }
  if (username === undefined || password === undefined) throw refuse(ReasonCode.BAD_USER_NAME_OR_PASSWORD, "user name or password missing");
  const colon = username.indexOf(":");
  if (colon > 0 && broker.vhosts.has(username.slice(0, colon))) {
    vhostName = username.slice(0, colon);
    username = username.slice(colon + 1);
  }
  const user = broker.users.authenticate(username, password);
  if (user === undefined) throw refuse(ReasonCode.BAD_USER_NAME_OR_PASSWORD, `authentication failed for user '${username}'`);
  if (broker.config.loopbackUsers.includes(user.name) && !isLoopback(peerAddress)) {
    throw refuse(ReasonCode.NOT_AUTHORIZED, `user '${user.name}' can only connect via localhost`);
  }
  try {
    return { user, vhost: broker.openVhost(user, vhostName) };
  } catch (error) {
    if (error instanceof BrokerError) throw refuse(ReasonCode.NOT_AUTHORIZED, error.detail);
    throw error;
  }
}

function isLoopback(address: string): boolean {
  const plain = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith("127.");
  return plain === "::1";
}
