/**
 * The one registry of errors the broker can return (STYLE.md practice 15).
 *
 * Each entry maps a RabbitMQ error name to its AMQP 0-9-1 reply code (and whether
 * it is a hard, connection-level error), the MQTT 5 reason code a protocol
 * adapter uses for it, and the HTTP status the management API answers with.
 * The AMQP reply text is `NAME - detail`, exactly as RabbitMQ formats it
 * (e.g. `NOT_FOUND - no queue 'q' in vhost '/'`), so client code that
 * matches on the text keeps working.
 */
export interface ErrorKind {
  readonly name: string;
  readonly amqpReplyCode: number;
  /** Hard errors close the connection; soft ones close only the channel. */
  readonly hard: boolean;
  readonly mqttReasonCode: number;
  readonly httpStatus: number;
}

function kind(name: string, amqpReplyCode: number, hard: boolean, mqttReasonCode: number, httpStatus: number): ErrorKind {
  return Object.freeze({ name, amqpReplyCode, hard, mqttReasonCode, httpStatus });
}

// MQTT 5 reason codes: 0x80 unspecified, 0x81 malformed packet, 0x82 protocol error,
// 0x83 implementation specific, 0x87 not authorized, 0x89 server busy,
// 0x90 topic name invalid, 0x95 packet too large, 0x97 quota exceeded, 0x99 payload format invalid.
export const Errors = Object.freeze({
  CONTENT_TOO_LARGE: kind("CONTENT_TOO_LARGE", 311, false, 0x95, 413),
  NO_ROUTE: kind("NO_ROUTE", 312, false, 0x10, 400),
  NO_CONSUMERS: kind("NO_CONSUMERS", 313, false, 0x80, 400),
  CONNECTION_FORCED: kind("CONNECTION_FORCED", 320, true, 0x8b, 503),
  INVALID_PATH: kind("INVALID_PATH", 402, true, 0x80, 400),
  ACCESS_REFUSED: kind("ACCESS_REFUSED", 403, false, 0x87, 403),
  NOT_FOUND: kind("NOT_FOUND", 404, false, 0x80, 404),
  RESOURCE_LOCKED: kind("RESOURCE_LOCKED", 405, false, 0x80, 400),
  PRECONDITION_FAILED: kind("PRECONDITION_FAILED", 406, false, 0x80, 400),
  FRAME_ERROR: kind("FRAME_ERROR", 501, true, 0x81, 400),
  SYNTAX_ERROR: kind("SYNTAX_ERROR", 502, true, 0x81, 400),
  COMMAND_INVALID: kind("COMMAND_INVALID", 503, true, 0x82, 400),
  CHANNEL_ERROR: kind("CHANNEL_ERROR", 504, true, 0x82, 400),
  UNEXPECTED_FRAME: kind("UNEXPECTED_FRAME", 505, true, 0x82, 400),
  RESOURCE_ERROR: kind("RESOURCE_ERROR", 506, true, 0x97, 503),
  NOT_ALLOWED: kind("NOT_ALLOWED", 530, true, 0x87, 403),
  NOT_IMPLEMENTED: kind("NOT_IMPLEMENTED", 540, true, 0x83, 501),
  INTERNAL_ERROR: kind("INTERNAL_ERROR", 541, true, 0x80, 500),
});

export type ErrorName = keyof typeof Errors;

/**
 * An error the broker reports to a client. `classId`/`methodId` name the AMQP
 * method that caused it (0 when none), as channel.close and connection.close carry them.
 */
export class BrokerError extends Error {
  readonly kind: ErrorKind;
  readonly detail: string;
  classId: number;
  methodId: number;

  constructor(kind: ErrorKind, detail: string, classId = 0, methodId = 0) {
    super(`${kind.name} - ${detail}`);
    this.name = "BrokerError";
    this.kind = kind;
    this.detail = detail;
    this.classId = classId;
    this.methodId = methodId;
  }

  /** The reply text sent in channel.close / connection.close (a shortstr: at most 255 bytes). */
  get replyText(): string {
    const text = this.message;
    return Buffer.byteLength(text) <= 255 ? text : Buffer.from(text).subarray(0, 255).toString("utf8");
  }
}

/** Shorthand constructors used all over the broker: `fail.notFound("no queue 'q' in vhost '/'")`. */
export const fail = {
  notFound: (detail: string) => new BrokerError(Errors.NOT_FOUND, detail),
  accessRefused: (detail: string) => new BrokerError(Errors.ACCESS_REFUSED, detail),
  resourceLocked: (detail: string) => new BrokerError(Errors.RESOURCE_LOCKED, detail),
  preconditionFailed: (detail: string) => new BrokerError(Errors.PRECONDITION_FAILED, detail),
  notAllowed: (detail: string) => new BrokerError(Errors.NOT_ALLOWED, detail),
  commandInvalid: (detail: string) => new BrokerError(Errors.COMMAND_INVALID, detail),
  channelError: (detail: string) => new BrokerError(Errors.CHANNEL_ERROR, detail),
  unexpectedFrame: (detail: string) => new BrokerError(Errors.UNEXPECTED_FRAME, detail),
  frameError: (detail: string) => new BrokerError(Errors.FRAME_ERROR, detail),
  syntaxError: (detail: string) => new BrokerError(Errors.SYNTAX_ERROR, detail),
  notImplemented: (detail: string) => new BrokerError(Errors.NOT_IMPLEMENTED, detail),
  internalError: (detail: string) => new BrokerError(Errors.INTERNAL_ERROR, detail),
  resourceError: (detail: string) => new BrokerError(Errors.RESOURCE_ERROR, detail),
} as const;
