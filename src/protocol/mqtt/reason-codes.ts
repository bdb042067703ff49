/**
 * MQTT reason codes (MQTT 5 §2.4) and the MQTT 3.1.1 CONNACK return codes (§3.2.2.3),
 * with the mapping from Warren's error registry. A connection that must be refused or
 * closed carries one of these; the packet writer turns it into the right packet for
 * the client's protocol level.
 */
import type { BrokerError } from "../../errors/registry.js";

export const ReasonCode = Object.freeze({
  SUCCESS: 0x00,
  GRANTED_QOS_1: 0x01,
  GRANTED_QOS_2: 0x02,
  DISCONNECT_WITH_WILL: 0x04,
  NO_MATCHING_SUBSCRIBERS: 0x10,
  NO_SUBSCRIPTION_EXISTED: 0x11,
  UNSPECIFIED_ERROR: 0x80,
  MALFORMED_PACKET: 0x81,
  PROTOCOL_ERROR: 0x82,
  IMPLEMENTATION_SPECIFIC_ERROR: 0x83,
  UNSUPPORTED_PROTOCOL_VERSION: 0x84,
  CLIENT_IDENTIFIER_NOT_VALID: 0x85,
  BAD_USER_NAME_OR_PASSWORD: 0x86,
  NOT_AUTHORIZED: 0x87,
  SERVER_UNAVAILABLE: 0x88,
  SERVER_BUSY: 0x89,
  BAD_AUTHENTICATION_METHOD: 0x8c,
  KEEP_ALIVE_TIMEOUT: 0x8d,
  SESSION_TAKEN_OVER: 0x8e,
  TOPIC_FILTER_INVALID: 0x8f,
  TOPIC_NAME_INVALID: 0x90,
  PACKET_IDENTIFIER_IN_USE: 0x91,
  PACKET_IDENTIFIER_NOT_FOUND: 0x92,
  RECEIVE_MAXIMUM_EXCEEDED: 0x93,
  TOPIC_ALIAS_INVALID: 0x94,
  PACKET_TOO_LARGE: 0x95,
  QUOTA_EXCEEDED: 0x97,
  PAYLOAD_FORMAT_INVALID: 0x99,
  RETAIN_NOT_SUPPORTED: 0x9a,
  QOS_NOT_SUPPORTED: 0x9b,
  SERVER_SHUTTING_DOWN: 0x8b,
  SHARED_SUBSCRIPTIONS_NOT_SUPPORTED: 0x9e,
  SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED: 0xa1,
  WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED: 0xa2,
});

/**
 * MQTT 3.1.1 has six CONNACK return codes (§3.2.2.3) and nothing else; an MQTT 5 reason
 * code is folded onto the nearest one, as the MQTT 5 spec's own table of equivalents does.
 */
export function connectReturnCodeV3(reasonCode: number): number {
  switch (reasonCode) {
    case ReasonCode.SUCCESS:
      return 0;
    case ReasonCode.UNSUPPORTED_PROTOCOL_VERSION:
      return 1;
    case ReasonCode.CLIENT_IDENTIFIER_NOT_VALID:
      return 2;
    case ReasonCode.SERVER_UNAVAILABLE:
    case ReasonCode.SERVER_BUSY:
    case ReasonCode.SERVER_SHUTTING_DOWN:
      return 3;
    case ReasonCode.BAD_USER_NAME_OR_PASSWORD:
      return 4;
    default:
      return 5; // not authorized: the 3.1.1 catch-all for a refused connection
  }
}

/** A protocol breach found while decoding or handling a packet: the connection is closed with `reasonCode`. */
export class MqttProtocolError extends Error {
  readonly reasonCode: number;

  constructor(reasonCode: number, message: string) {
    super(message);
    this.name = "MqttProtocolError";
    this.reasonCode = reasonCode;
  }
}

export const malformed = (message: string): MqttProtocolError => new MqttProtocolError(ReasonCode.MALFORMED_PACKET, message);
export const protocolError = (message: string): MqttProtocolError => new MqttProtocolError(ReasonCode.PROTOCOL_ERROR, message);

/** The MQTT reason code for an error the broker core raised (the registry carries it). */
export function reasonCodeOf(error: unknown): number {
  if (error instanceof MqttProtocolError) return error.reasonCode;
  const brokerError = error as BrokerError | undefined;
  if (brokerError !== undefined && brokerError !== null && typeof brokerError === "object" && "kind" in brokerError) {
    return brokerError.kind.mqttReasonCode;
  }
  return ReasonCode.UNSPECIFIED_ERROR;
}
