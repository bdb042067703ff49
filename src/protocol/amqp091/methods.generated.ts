// GENERATED FILE: do not edit by hand.
// Generated from spec/amqp-rabbitmq-0.9.1.json by scripts/gen-amqp-codec.ts (`npm run codegen`);
// change the generator and regenerate instead. test/unit/protocol/amqp091/codegen.test.ts
// fails when this file differs from what the generator produces.
//
// AMQP 0-9-1 methods: one interface per method (discriminated by `method`, the dotted spec
// name), `MethodInit` variants whose fields with spec defaults are optional, and a decoder and
// encoder per method. longlong fields are numbers: exact up to 2^53, which delivery tags and
// message counts never reach. longstr fields are Buffers (they are binary: SASL responses).
// Decoded methods never alias the frame payload: strings and Buffers are copies.

import { BrokerError, Errors, fail } from "../../errors/registry.js";
import { EMPTY_TABLE, decodeTable, encodedTableSizeBytes, writeTable, type FieldTable } from "../../message/field-table.js";
import { SHORT_STRING_BYTES_MAX } from "../../config/limits.js";
import { ByteReader, MalformedInputError } from "../../lib/byte-reader.js";
import { boundedByteLength, writeLongBytes, writeShortString, writeUint64Number } from "../../lib/byte-writer.js";

/** Frame types, the frame-end octet and reply-success, from the spec's constants. */
export const FRAME_METHOD = 1;
export const FRAME_HEADER = 2;
export const FRAME_BODY = 3;
export const FRAME_HEARTBEAT = 8;
export const FRAME_END = 206;
export const REPLY_SUCCESS = 200;

/** Defaults of longstr fields, shared so that filling in a default never allocates. */
const LONG_STRING_PLAIN = Buffer.from("PLAIN", "utf8");
const LONG_STRING_EN_US = Buffer.from("en_US", "utf8");
const LONG_STRING_EMPTY = Buffer.from("", "utf8");

/** `connection.start` (class 10, method 10): synchronous. */
export interface ConnectionStart {
  method: "connection.start";
  versionMajor: number; // version-major: octet, default 0
  versionMinor: number; // version-minor: octet, default 9
  serverProperties: FieldTable; // server-properties: table
  mechanisms: Buffer; // mechanisms: longstr, default "PLAIN"
  locales: Buffer; // locales: longstr, default "en_US"
}
/** `connection.start` for encoding: fields with a spec default may be left out. */
export interface ConnectionStartInit {
  method: "connection.start";
  versionMajor?: number;
  versionMinor?: number;
  serverProperties: FieldTable;
  mechanisms?: Buffer;
  locales?: Buffer;
}

/** `connection.start-ok` (class 10, method 11). */
export interface ConnectionStartOk {
  method: "connection.start-ok";
  clientProperties: FieldTable; // client-properties: table
  mechanism: string; // mechanism: shortstr, default "PLAIN"
  response: Buffer; // response: longstr
  locale: string; // locale: shortstr, default "en_US"
}
/** `connection.start-ok` for encoding: fields with a spec default may be left out. */
export interface ConnectionStartOkInit {
  method: "connection.start-ok";
  clientProperties: FieldTable;
  mechanism?: string;
  response: Buffer;
  locale?: string;
}

/** `connection.secure` (class 10, method 20): synchronous. */
export interface ConnectionSecure {
  method: "connection.secure";
  challenge: Buffer; // challenge: longstr
}
/** `connection.secure` for encoding: fields with a spec default may be left out. */
export interface ConnectionSecureInit {
  method: "connection.secure";
  challenge: Buffer;
}

/** `connection.secure-ok` (class 10, method 21). */
export interface ConnectionSecureOk {
  method: "connection.secure-ok";
  response: Buffer; // response: longstr
}
/** `connection.secure-ok` for encoding: fields with a spec default may be left out. */
export interface ConnectionSecureOkInit {
  method: "connection.secure-ok";
  response: Buffer;
}

/** `connection.tune` (class 10, method 30): synchronous. */
export interface ConnectionTune {
  method: "connection.tune";
  channelMax: number; // channel-max: short, default 0
  frameMax: number; // frame-max: long, default 0
  heartbeat: number; // heartbeat: short, default 0
}
/** `connection.tune` for encoding: fields with a spec default may be left out. */
export interface ConnectionTuneInit {
  method: "connection.tune";
  channelMax?: number;
  frameMax?: number;
  heartbeat?: number;
}

/** `connection.tune-ok` (class 10, method 31). */
export interface ConnectionTuneOk {
  method: "connection.tune-ok";
  channelMax: number; // channel-max: short, default 0
  frameMax: number; // frame-max: long, default 0
  heartbeat: number; // heartbeat: short, default 0
}
/** `connection.tune-ok` for encoding: fields with a spec default may be left out. */
export interface ConnectionTuneOkInit {
  method: "connection.tune-ok";
  channelMax?: number;
  frameMax?: number;
  heartbeat?: number;
}

/** `connection.open` (class 10, method 40): synchronous. */
export interface ConnectionOpen {
  method: "connection.open";
  virtualHost: string; // virtual-host: shortstr, default "/"
  capabilities: string; // capabilities: shortstr, default ""
  insist: boolean; // insist: bit, default false
}
/** `connection.open` for encoding: fields with a spec default may be left out. */
export interface ConnectionOpenInit {
  method: "connection.open";
  virtualHost?: string;
  capabilities?: string;
  insist?: boolean;
}

/** `connection.open-ok` (class 10, method 41). */
export interface ConnectionOpenOk {
  method: "connection.open-ok";
  knownHosts: string; // known-hosts: shortstr, default ""
}
/** `connection.open-ok` for encoding: fields with a spec default may be left out. */
export interface ConnectionOpenOkInit {
  method: "connection.open-ok";
  knownHosts?: string;
}

/** `connection.close` (class 10, method 50): synchronous. */
export interface ConnectionClose {
  method: "connection.close";
  replyCode: number; // reply-code: short
  replyText: string; // reply-text: shortstr, default ""
  classId: number; // class-id: short
  methodId: number; // method-id: short
}
/** `connection.close` for encoding: fields with a spec default may be left out. */
export interface ConnectionCloseInit {
  method: "connection.close";
  replyCode: number;
  replyText?: string;
  classId: number;
  methodId: number;
}

/** `connection.close-ok` (class 10, method 51). */
export interface ConnectionCloseOk {
  method: "connection.close-ok";
}
/** `connection.close-ok` for encoding: fields with a spec default may be left out. */
export interface ConnectionCloseOkInit {
  method: "connection.close-ok";
}

/** `connection.blocked` (class 10, method 60). */
export interface ConnectionBlocked {
  method: "connection.blocked";
  reason: string; // reason: shortstr, default ""
}
/** `connection.blocked` for encoding: fields with a spec default may be left out. */
export interface ConnectionBlockedInit {
  method: "connection.blocked";
  reason?: string;
}

/** `connection.unblocked` (class 10, method 61). */
export interface ConnectionUnblocked {
  method: "connection.unblocked";
}
/** `connection.unblocked` for encoding: fields with a spec default may be left out. */
export interface ConnectionUnblockedInit {
  method: "connection.unblocked";
}

/** `connection.update-secret` (class 10, method 70): synchronous. */
export interface ConnectionUpdateSecret {
  method: "connection.update-secret";
  newSecret: Buffer; // new-secret: longstr
  reason: string; // reason: shortstr
}
/** `connection.update-secret` for encoding: fields with a spec default may be left out. */
export interface ConnectionUpdateSecretInit {
  method: "connection.update-secret";
  newSecret: Buffer;
  reason: string;
}

/** `connection.update-secret-ok` (class 10, method 71). */
export interface ConnectionUpdateSecretOk {
  method: "connection.update-secret-ok";
}
/** `connection.update-secret-ok` for encoding: fields with a spec default may be left out. */
export interface ConnectionUpdateSecretOkInit {
  method: "connection.update-secret-ok";
}

/** `channel.open` (class 20, method 10): synchronous. */
export interface ChannelOpen {
  method: "channel.open";
  outOfBand: string; // out-of-band: shortstr, default ""
}
/** `channel.open` for encoding: fields with a spec default may be left out. */
export interface ChannelOpenInit {
  method: "channel.open";
  outOfBand?: string;
}

/** `channel.open-ok` (class 20, method 11). */
export interface ChannelOpenOk {
  method: "channel.open-ok";
  channelId: Buffer; // channel-id: longstr, default ""
}
/** `channel.open-ok` for encoding: fields with a spec default may be left out. */
export interface ChannelOpenOkInit {
  method: "channel.open-ok";
  channelId?: Buffer;
}

/** `channel.flow` (class 20, method 20): synchronous. */
export interface ChannelFlow {
  method: "channel.flow";
  active: boolean; // active: bit
}
/** `channel.flow` for encoding: fields with a spec default may be left out. */
export interface ChannelFlowInit {
  method: "channel.flow";
  active: boolean;
}

/** `channel.flow-ok` (class 20, method 21). */
export interface ChannelFlowOk {
  method: "channel.flow-ok";
  active: boolean; // active: bit
}
/** `channel.flow-ok` for encoding: fields with a spec default may be left out. */
export interface ChannelFlowOkInit {
  method: "channel.flow-ok";
  active: boolean;
}

/** `channel.close` (class 20, method 40): synchronous. */
export interface ChannelClose {
  method: "channel.close";
  replyCode: number; // reply-code: short
  replyText: string; // reply-text: shortstr, default ""
  classId: number; // class-id: short
  methodId: number; // method-id: short
}
/** `channel.close` for encoding: fields with a spec default may be left out. */
export interface ChannelCloseInit {
  method: "channel.close";
  replyCode: number;
  replyText?: string;
  classId: number;
  methodId: number;
}

/** `channel.close-ok` (class 20, method 41). */
export interface ChannelCloseOk {
  method: "channel.close-ok";
}
/** `channel.close-ok` for encoding: fields with a spec default may be left out. */
export interface ChannelCloseOkInit {
  method: "channel.close-ok";
}

/** `access.request` (class 30, method 10): synchronous. */
export interface AccessRequest {
  method: "access.request";
  realm: string; // realm: shortstr, default "/data"
  exclusive: boolean; // exclusive: bit, default false
  passive: boolean; // passive: bit, default true
  active: boolean; // active: bit, default true
  write: boolean; // write: bit, default true
  read: boolean; // read: bit, default true
}
/** `access.request` for encoding: fields with a spec default may be left out. */
export interface AccessRequestInit {
  method: "access.request";
  realm?: string;
  exclusive?: boolean;
  passive?: boolean;
  active?: boolean;
  write?: boolean;
  read?: boolean;
}

/** `access.request-ok` (class 30, method 11). */
export interface AccessRequestOk {
  method: "access.request-ok";
  ticket: number; // ticket: short, default 1
}
/** `access.request-ok` for encoding: fields with a spec default may be left out. */
export interface AccessRequestOkInit {
  method: "access.request-ok";
  ticket?: number;
}

/** `exchange.declare` (class 40, method 10): synchronous. */
export interface ExchangeDeclare {
  method: "exchange.declare";
  ticket: number; // ticket: short, default 0
  exchange: string; // exchange: shortstr
  type: string; // type: shortstr, default "direct"
  passive: boolean; // passive: bit, default false
  durable: boolean; // durable: bit, default false
  autoDelete: boolean; // auto-delete: bit, default false
  internal: boolean; // internal: bit, default false
  nowait: boolean; // nowait: bit, default false
  arguments: FieldTable; // arguments: table, default {}
}
/** `exchange.declare` for encoding: fields with a spec default may be left out. */
export interface ExchangeDeclareInit {
  method: "exchange.declare";
  ticket?: number;
  exchange: string;
  type?: string;
  passive?: boolean;
  durable?: boolean;
  autoDelete?: boolean;
  internal?: boolean;
  nowait?: boolean;
  arguments?: FieldTable;
}

/** `exchange.declare-ok` (class 40, method 11). */
export interface ExchangeDeclareOk {
  method: "exchange.declare-ok";
}
/** `exchange.declare-ok` for encoding: fields with a spec default may be left out. */
export interface ExchangeDeclareOkInit {
  method: "exchange.declare-ok";
}

/** `exchange.delete` (class 40, method 20): synchronous. */
export interface ExchangeDelete {
  method: "exchange.delete";
  ticket: number; // ticket: short, default 0
  exchange: string; // exchange: shortstr
  ifUnused: boolean; // if-unused: bit, default false
  nowait: boolean; // nowait: bit, default false
}
/** `exchange.delete` for encoding: fields with a spec default may be left out. */
export interface ExchangeDeleteInit {
  method: "exchange.delete";
  ticket?: number;
  exchange: string;
  ifUnused?: boolean;
  nowait?: boolean;
}

/** `exchange.delete-ok` (class 40, method 21). */
export interface ExchangeDeleteOk {
  method: "exchange.delete-ok";
}
/** `exchange.delete-ok` for encoding: fields with a spec default may be left out. */
export interface ExchangeDeleteOkInit {
  method: "exchange.delete-ok";
}

/** `exchange.bind` (class 40, method 30): synchronous. */
export interface ExchangeBind {
  method: "exchange.bind";
  ticket: number; // ticket: short, default 0
  destination: string; // destination: shortstr
  source: string; // source: shortstr
  routingKey: string; // routing-key: shortstr, default ""
  nowait: boolean; // nowait: bit, default false
  arguments: FieldTable; // arguments: table, default {}
}
/** `exchange.bind` for encoding: fields with a spec default may be left out. */
export interface ExchangeBindInit {
  method: "exchange.bind";
  ticket?: number;
  destination: string;
  source: string;
  routingKey?: string;
  nowait?: boolean;
  arguments?: FieldTable;
}

/** `exchange.bind-ok` (class 40, method 31). */
export interface ExchangeBindOk {
  method: "exchange.bind-ok";
}
/** `exchange.bind-ok` for encoding: fields with a spec default may be left out. */
export interface ExchangeBindOkInit {
  method: "exchange.bind-ok";
}

/** `exchange.unbind` (class 40, method 40): synchronous. */
export interface ExchangeUnbind {
  method: "exchange.unbind";
  ticket: number; // ticket: short, default 0
  destination: string; // destination: shortstr
  source: string; // source: shortstr
  routingKey: string; // routing-key: shortstr, default ""
  nowait: boolean; // nowait: bit, default false
  arguments: FieldTable; // arguments: table, default {}
}
/** `exchange.unbind` for encoding: fields with a spec default may be left out. */
export interface ExchangeUnbindInit {
  method: "exchange.unbind";
  ticket?: number;
  destination: string;
  source: string;
  routingKey?: string;
  nowait?: boolean;
  arguments?: FieldTable;
}

/** `exchange.unbind-ok` (class 40, method 51). */
export interface ExchangeUnbindOk {
  method: "exchange.unbind-ok";
}
/** `exchange.unbind-ok` for encoding: fields with a spec default may be left out. */
export interface ExchangeUnbindOkInit {
  method: "exchange.unbind-ok";
}

/** `queue.declare` (class 50, method 10): synchronous. */
export interface QueueDeclare {
  method: "queue.declare";
  ticket: number; // ticket: short, default 0
  queue: string; // queue: shortstr, default ""
  passive: boolean; // passive: bit, default false
  durable: boolean; // durable: bit, default false
  exclusive: boolean; // exclusive: bit, default false
  autoDelete: boolean; // auto-delete: bit, default false
  nowait: boolean; // nowait: bit, default false
  arguments: FieldTable; // arguments: table, default {}
}
/** `queue.declare` for encoding: fields with a spec default may be left out. */
export interface QueueDeclareInit {
  method: "queue.declare";
  ticket?: number;
  queue?: string;
  passive?: boolean;
  durable?: boolean;
  exclusive?: boolean;
  autoDelete?: boolean;
  nowait?: boolean;
  arguments?: FieldTable;
}

/** `queue.declare-ok` (class 50, method 11). */
export interface QueueDeclareOk {
  method: "queue.declare-ok";
  queue: string; // queue: shortstr
  messageCount: number; // message-count: long
  consumerCount: number; // consumer-count: long
}
/** `queue.declare-ok` for encoding: fields with a spec default may be left out. */
export interface QueueDeclareOkInit {
  method: "queue.declare-ok";
  queue: string;
  messageCount: number;
  consumerCount: number;
}

/** `queue.bind` (class 50, method 20): synchronous. */
export interface QueueBind {
  method: "queue.bind";
  ticket: number; // ticket: short, default 0
  queue: string; // queue: shortstr, default ""
  exchange: string; // exchange: shortstr
  routingKey: string; // routing-key: shortstr, default ""
  nowait: boolean; // nowait: bit, default false
  arguments: FieldTable; // arguments: table, default {}
}
/** `queue.bind` for encoding: fields with a spec default may be left out. */
export interface QueueBindInit {
  method: "queue.bind";
  ticket?: number;
  queue?: string;
  exchange: string;
  routingKey?: string;
  nowait?: boolean;
  arguments?: FieldTable;
}

/** `queue.bind-ok` (class 50, method 21). */
export interface QueueBindOk {
  method: "queue.bind-ok";
}
/** `queue.bind-ok` for encoding: fields with a spec default may be left out. */
export interface QueueBindOkInit {
  method: "queue.bind-ok";
}

/** `queue.purge` (class 50, method 30): synchronous. */
export interface QueuePurge {
  method: "queue.purge";
  ticket: number; // ticket: short, default 0
  queue: string; // queue: shortstr, default ""
  nowait: boolean; // nowait: bit, default false
}
/** `queue.purge` for encoding: fields with a spec default may be left out. */
export interface QueuePurgeInit {
  method: "queue.purge";
  ticket?: number;
  queue?: string;
  nowait?: boolean;
}

/** `queue.purge-ok` (class 50, method 31). */
export interface QueuePurgeOk {
  method: "queue.purge-ok";
  messageCount: number; // message-count: long
}
/** `queue.purge-ok` for encoding: fields with a spec default may be left out. */
export interface QueuePurgeOkInit {
  method: "queue.purge-ok";
  messageCount: number;
}

/** `queue.delete` (class 50, method 40): synchronous. */
export interface QueueDelete {
  method: "queue.delete";
  ticket: number; // ticket: short, default 0
  queue: string; // queue: shortstr, default ""
  ifUnused: boolean; // if-unused: bit, default false
  ifEmpty: boolean; // if-empty: bit, default false
  nowait: boolean; // nowait: bit, default false
}
/** `queue.delete` for encoding: fields with a spec default may be left out. */
export interface QueueDeleteInit {
  method: "queue.delete";
  ticket?: number;
  queue?: string;
  ifUnused?: boolean;
  ifEmpty?: boolean;
  nowait?: boolean;
}

/** `queue.delete-ok` (class 50, method 41). */
export interface QueueDeleteOk {
  method: "queue.delete-ok";
  messageCount: number; // message-count: long
}
/** `queue.delete-ok` for encoding: fields with a spec default may be left out. */
export interface QueueDeleteOkInit {
  method: "queue.delete-ok";
  messageCount: number;
}

/** `queue.unbind` (class 50, method 50): synchronous. */
export interface QueueUnbind {
  method: "queue.unbind";
  ticket: number; // ticket: short, default 0
  queue: string; // queue: shortstr, default ""
  exchange: string; // exchange: shortstr
  routingKey: string; // routing-key: shortstr, default ""
  arguments: FieldTable; // arguments: table, default {}
}
/** `queue.unbind` for encoding: fields with a spec default may be left out. */
export interface QueueUnbindInit {
  method: "queue.unbind";
  ticket?: number;
  queue?: string;
  exchange: string;
  routingKey?: string;
  arguments?: FieldTable;
}

/** `queue.unbind-ok` (class 50, method 51). */
export interface QueueUnbindOk {
  method: "queue.unbind-ok";
}
/** `queue.unbind-ok` for encoding: fields with a spec default may be left out. */
export interface QueueUnbindOkInit {
  method: "queue.unbind-ok";
}

/** `basic.qos` (class 60, method 10): synchronous. */
export interface BasicQos {
  method: "basic.qos";
  prefetchSize: number; // prefetch-size: long, default 0
  prefetchCount: number; // prefetch-count: short, default 0
  global: boolean; // global: bit, default false
}
/** `basic.qos` for encoding: fields with a spec default may be left out. */
export interface BasicQosInit {
  method: "basic.qos";
  prefetchSize?: number;
  prefetchCount?: number;
  global?: boolean;
}

/** `basic.qos-ok` (class 60, method 11). */
export interface BasicQosOk {
  method: "basic.qos-ok";
}
/** `basic.qos-ok` for encoding: fields with a spec default may be left out. */
export interface BasicQosOkInit {
  method: "basic.qos-ok";
}

/** `basic.consume` (class 60, method 20): synchronous. */
export interface BasicConsume {
  method: "basic.consume";
  ticket: number; // ticket: short, default 0
  queue: string; // queue: shortstr, default ""
  consumerTag: string; // consumer-tag: shortstr, default ""
  noLocal: boolean; // no-local: bit, default false
  noAck: boolean; // no-ack: bit, default false
  exclusive: boolean; // exclusive: bit, default false
  nowait: boolean; // nowait: bit, default false
  arguments: FieldTable; // arguments: table, default {}
}
/** `basic.consume` for encoding: fields with a spec default may be left out. */
export interface BasicConsumeInit {
  method: "basic.consume";
  ticket?: number;
  queue?: string;
  consumerTag?: string;
  noLocal?: boolean;
  noAck?: boolean;
  exclusive?: boolean;
  nowait?: boolean;
  arguments?: FieldTable;
}

/** `basic.consume-ok` (class 60, method 21). */
export interface BasicConsumeOk {
  method: "basic.consume-ok";
  consumerTag: string; // consumer-tag: shortstr
}
/** `basic.consume-ok` for encoding: fields with a spec default may be left out. */
export interface BasicConsumeOkInit {
  method: "basic.consume-ok";
  consumerTag: string;
}

/** `basic.cancel` (class 60, method 30): synchronous. */
export interface BasicCancel {
  method: "basic.cancel";
  consumerTag: string; // consumer-tag: shortstr
  nowait: boolean; // nowait: bit, default false
}
/** `basic.cancel` for encoding: fields with a spec default may be left out. */
export interface BasicCancelInit {
  method: "basic.cancel";
  consumerTag: string;
  nowait?: boolean;
}

/** `basic.cancel-ok` (class 60, method 31). */
export interface BasicCancelOk {
  method: "basic.cancel-ok";
  consumerTag: string; // consumer-tag: shortstr
}
/** `basic.cancel-ok` for encoding: fields with a spec default may be left out. */
export interface BasicCancelOkInit {
  method: "basic.cancel-ok";
  consumerTag: string;
}

/** `basic.publish` (class 60, method 40): carries content. */
export interface BasicPublish {
  method: "basic.publish";
  ticket: number; // ticket: short, default 0
  exchange: string; // exchange: shortstr, default ""
  routingKey: string; // routing-key: shortstr, default ""
  mandatory: boolean; // mandatory: bit, default false
  immediate: boolean; // immediate: bit, default false
}
/** `basic.publish` for encoding: fields with a spec default may be left out. */
export interface BasicPublishInit {
  method: "basic.publish";
  ticket?: number;
  exchange?: string;
  routingKey?: string;
  mandatory?: boolean;
  immediate?: boolean;
}

/** `basic.return` (class 60, method 50): carries content. */
export interface BasicReturn {
  method: "basic.return";
  replyCode: number; // reply-code: short
  replyText: string; // reply-text: shortstr, default ""
  exchange: string; // exchange: shortstr
  routingKey: string; // routing-key: shortstr
}
/** `basic.return` for encoding: fields with a spec default may be left out. */
export interface BasicReturnInit {
  method: "basic.return";
  replyCode: number;
  replyText?: string;
  exchange: string;
  routingKey: string;
}

/** `basic.deliver` (class 60, method 60): carries content. */
export interface BasicDeliver {
  method: "basic.deliver";
  consumerTag: string; // consumer-tag: shortstr
  deliveryTag: number; // delivery-tag: longlong
  redelivered: boolean; // redelivered: bit, default false
  exchange: string; // exchange: shortstr
  routingKey: string; // routing-key: shortstr
}
/** `basic.deliver` for encoding: fields with a spec default may be left out. */
export interface BasicDeliverInit {
  method: "basic.deliver";
  consumerTag: string;
  deliveryTag: number;
  redelivered?: boolean;
  exchange: string;
  routingKey: string;
}

/** `basic.get` (class 60, method 70): synchronous. */
export interface BasicGet {
  method: "basic.get";
  ticket: number; // ticket: short, default 0
  queue: string; // queue: shortstr, default ""
  noAck: boolean; // no-ack: bit, default false
}
/** `basic.get` for encoding: fields with a spec default may be left out. */
export interface BasicGetInit {
  method: "basic.get";
  ticket?: number;
  queue?: string;
  noAck?: boolean;
}

/** `basic.get-ok` (class 60, method 71): carries content. */
export interface BasicGetOk {
  method: "basic.get-ok";
  deliveryTag: number; // delivery-tag: longlong
  redelivered: boolean; // redelivered: bit, default false
  exchange: string; // exchange: shortstr
  routingKey: string; // routing-key: shortstr
  messageCount: number; // message-count: long
}
/** `basic.get-ok` for encoding: fields with a spec default may be left out. */
export interface BasicGetOkInit {
  method: "basic.get-ok";
  deliveryTag: number;
  redelivered?: boolean;
  exchange: string;
  routingKey: string;
  messageCount: number;
}

/** `basic.get-empty` (class 60, method 72). */
export interface BasicGetEmpty {
  method: "basic.get-empty";
  clusterId: string; // cluster-id: shortstr, default ""
}
/** `basic.get-empty` for encoding: fields with a spec default may be left out. */
export interface BasicGetEmptyInit {
  method: "basic.get-empty";
  clusterId?: string;
}

/** `basic.ack` (class 60, method 80). */
export interface BasicAck {
  method: "basic.ack";
  deliveryTag: number; // delivery-tag: longlong, default 0
  multiple: boolean; // multiple: bit, default false
}
/** `basic.ack` for encoding: fields with a spec default may be left out. */
export interface BasicAckInit {
  method: "basic.ack";
  deliveryTag?: number;
  multiple?: boolean;
}

/** `basic.reject` (class 60, method 90). */
export interface BasicReject {
  method: "basic.reject";
  deliveryTag: number; // delivery-tag: longlong
  requeue: boolean; // requeue: bit, default true
}
/** `basic.reject` for encoding: fields with a spec default may be left out. */
export interface BasicRejectInit {
  method: "basic.reject";
  deliveryTag: number;
  requeue?: boolean;
}

/** `basic.recover-async` (class 60, method 100). */
export interface BasicRecoverAsync {
  method: "basic.recover-async";
  requeue: boolean; // requeue: bit, default false
}
/** `basic.recover-async` for encoding: fields with a spec default may be left out. */
export interface BasicRecoverAsyncInit {
  method: "basic.recover-async";
  requeue?: boolean;
}

/** `basic.recover` (class 60, method 110): synchronous. */
export interface BasicRecover {
  method: "basic.recover";
  requeue: boolean; // requeue: bit, default false
}
/** `basic.recover` for encoding: fields with a spec default may be left out. */
export interface BasicRecoverInit {
  method: "basic.recover";
  requeue?: boolean;
}

/** `basic.recover-ok` (class 60, method 111). */
export interface BasicRecoverOk {
  method: "basic.recover-ok";
}
/** `basic.recover-ok` for encoding: fields with a spec default may be left out. */
export interface BasicRecoverOkInit {
  method: "basic.recover-ok";
}

/** `basic.nack` (class 60, method 120). */
export interface BasicNack {
  method: "basic.nack";
  deliveryTag: number; // delivery-tag: longlong, default 0
  multiple: boolean; // multiple: bit, default false
  requeue: boolean; // requeue: bit, default true
}
/** `basic.nack` for encoding: fields with a spec default may be left out. */
export interface BasicNackInit {
  method: "basic.nack";
  deliveryTag?: number;
  multiple?: boolean;
  requeue?: boolean;
}

/** `tx.select` (class 90, method 10): synchronous. */
export interface TxSelect {
  method: "tx.select";
}
/** `tx.select` for encoding: fields with a spec default may be left out. */
export interface TxSelectInit {
  method: "tx.select";
}

/** `tx.select-ok` (class 90, method 11). */
export interface TxSelectOk {
  method: "tx.select-ok";
}
/** `tx.select-ok` for encoding: fields with a spec default may be left out. */
export interface TxSelectOkInit {
  method: "tx.select-ok";
}

/** `tx.commit` (class 90, method 20): synchronous. */
export interface TxCommit {
  method: "tx.commit";
}
/** `tx.commit` for encoding: fields with a spec default may be left out. */
export interface TxCommitInit {
  method: "tx.commit";
}

/** `tx.commit-ok` (class 90, method 21). */
export interface TxCommitOk {
  method: "tx.commit-ok";
}
/** `tx.commit-ok` for encoding: fields with a spec default may be left out. */
export interface TxCommitOkInit {
  method: "tx.commit-ok";
}

/** `tx.rollback` (class 90, method 30): synchronous. */
export interface TxRollback {
  method: "tx.rollback";
}
/** `tx.rollback` for encoding: fields with a spec default may be left out. */
export interface TxRollbackInit {
  method: "tx.rollback";
}

/** `tx.rollback-ok` (class 90, method 31). */
export interface TxRollbackOk {
  method: "tx.rollback-ok";
}
/** `tx.rollback-ok` for encoding: fields with a spec default may be left out. */
export interface TxRollbackOkInit {
  method: "tx.rollback-ok";
}

/** `confirm.select` (class 85, method 10): synchronous. */
export interface ConfirmSelect {
  method: "confirm.select";
  nowait: boolean; // nowait: bit, default false
}
/** `confirm.select` for encoding: fields with a spec default may be left out. */
export interface ConfirmSelectInit {
  method: "confirm.select";
  nowait?: boolean;
}

/** `confirm.select-ok` (class 85, method 11). */
export interface ConfirmSelectOk {
  method: "confirm.select-ok";
}
/** `confirm.select-ok` for encoding: fields with a spec default may be left out. */
export interface ConfirmSelectOkInit {
  method: "confirm.select-ok";
}

/** Every AMQP 0-9-1 method, fully populated (what decodeMethod returns). */
export type Method =
  | ConnectionStart
  | ConnectionStartOk
  | ConnectionSecure
  | ConnectionSecureOk
  | ConnectionTune
  | ConnectionTuneOk
  | ConnectionOpen
  | ConnectionOpenOk
  | ConnectionClose
  | ConnectionCloseOk
  | ConnectionBlocked
  | ConnectionUnblocked
  | ConnectionUpdateSecret
  | ConnectionUpdateSecretOk
  | ChannelOpen
  | ChannelOpenOk
  | ChannelFlow
  | ChannelFlowOk
  | ChannelClose
  | ChannelCloseOk
  | AccessRequest
  | AccessRequestOk
  | ExchangeDeclare
  | ExchangeDeclareOk
  | ExchangeDelete
  | ExchangeDeleteOk
  | ExchangeBind
  | ExchangeBindOk
  | ExchangeUnbind
  | ExchangeUnbindOk
  | QueueDeclare
  | QueueDeclareOk
  | QueueBind
  | QueueBindOk
  | QueuePurge
  | QueuePurgeOk
  | QueueDelete
  | QueueDeleteOk
  | QueueUnbind
  | QueueUnbindOk
  | BasicQos
  | BasicQosOk
  | BasicConsume
  | BasicConsumeOk
  | BasicCancel
  | BasicCancelOk
  | BasicPublish
  | BasicReturn
  | BasicDeliver
  | BasicGet
  | BasicGetOk
  | BasicGetEmpty
  | BasicAck
  | BasicReject
  | BasicRecoverAsync
  | BasicRecover
  | BasicRecoverOk
  | BasicNack
  | TxSelect
  | TxSelectOk
  | TxCommit
  | TxCommitOk
  | TxRollback
  | TxRollbackOk
  | ConfirmSelect
  | ConfirmSelectOk;

/** What encodeMethod accepts: a Method, or one with spec defaults left out. */
export type MethodInit =
  | ConnectionStartInit
  | ConnectionStartOkInit
  | ConnectionSecureInit
  | ConnectionSecureOkInit
  | ConnectionTuneInit
  | ConnectionTuneOkInit
  | ConnectionOpenInit
  | ConnectionOpenOkInit
  | ConnectionCloseInit
  | ConnectionCloseOkInit
  | ConnectionBlockedInit
  | ConnectionUnblockedInit
  | ConnectionUpdateSecretInit
  | ConnectionUpdateSecretOkInit
  | ChannelOpenInit
  | ChannelOpenOkInit
  | ChannelFlowInit
  | ChannelFlowOkInit
  | ChannelCloseInit
  | ChannelCloseOkInit
  | AccessRequestInit
  | AccessRequestOkInit
  | ExchangeDeclareInit
  | ExchangeDeclareOkInit
  | ExchangeDeleteInit
  | ExchangeDeleteOkInit
  | ExchangeBindInit
  | ExchangeBindOkInit
  | ExchangeUnbindInit
  | ExchangeUnbindOkInit
  | QueueDeclareInit
  | QueueDeclareOkInit
  | QueueBindInit
  | QueueBindOkInit
  | QueuePurgeInit
  | QueuePurgeOkInit
  | QueueDeleteInit
  | QueueDeleteOkInit
  | QueueUnbindInit
  | QueueUnbindOkInit
  | BasicQosInit
  | BasicQosOkInit
  | BasicConsumeInit
  | BasicConsumeOkInit
  | BasicCancelInit
  | BasicCancelOkInit
  | BasicPublishInit
  | BasicReturnInit
  | BasicDeliverInit
  | BasicGetInit
  | BasicGetOkInit
  | BasicGetEmptyInit
  | BasicAckInit
  | BasicRejectInit
  | BasicRecoverAsyncInit
  | BasicRecoverInit
  | BasicRecoverOkInit
  | BasicNackInit
  | TxSelectInit
  | TxSelectOkInit
  | TxCommitInit
  | TxCommitOkInit
  | TxRollbackInit
  | TxRollbackOkInit
  | ConfirmSelectInit
  | ConfirmSelectOkInit;

export type MethodName = Method["method"];

/** The method interface for a dotted name: `MethodByName["basic.publish"]` is `BasicPublish`. */
export interface MethodByName {
  "connection.start": ConnectionStart;
  "connection.start-ok": ConnectionStartOk;
  "connection.secure": ConnectionSecure;
  "connection.secure-ok": ConnectionSecureOk;
  "connection.tune": ConnectionTune;
  "connection.tune-ok": ConnectionTuneOk;
  "connection.open": ConnectionOpen;
  "connection.open-ok": ConnectionOpenOk;
  "connection.close": ConnectionClose;
  "connection.close-ok": ConnectionCloseOk;
  "connection.blocked": ConnectionBlocked;
  "connection.unblocked": ConnectionUnblocked;
  "connection.update-secret": ConnectionUpdateSecret;
  "connection.update-secret-ok": ConnectionUpdateSecretOk;
  "channel.open": ChannelOpen;
  "channel.open-ok": ChannelOpenOk;
  "channel.flow": ChannelFlow;
  "channel.flow-ok": ChannelFlowOk;
  "channel.close": ChannelClose;
  "channel.close-ok": ChannelCloseOk;
  "access.request": AccessRequest;
  "access.request-ok": AccessRequestOk;
  "exchange.declare": ExchangeDeclare;
  "exchange.declare-ok": ExchangeDeclareOk;
  "exchange.delete": ExchangeDelete;
  "exchange.delete-ok": ExchangeDeleteOk;
  "exchange.bind": ExchangeBind;
  "exchange.bind-ok": ExchangeBindOk;
  "exchange.unbind": ExchangeUnbind;
  "exchange.unbind-ok": ExchangeUnbindOk;
  "queue.declare": QueueDeclare;
  "queue.declare-ok": QueueDeclareOk;
  "queue.bind": QueueBind;
  "queue.bind-ok": QueueBindOk;
  "queue.purge": QueuePurge;
  "queue.purge-ok": QueuePurgeOk;
  "queue.delete": QueueDelete;
  "queue.delete-ok": QueueDeleteOk;
  "queue.unbind": QueueUnbind;
  "queue.unbind-ok": QueueUnbindOk;
  "basic.qos": BasicQos;
  "basic.qos-ok": BasicQosOk;
  "basic.consume": BasicConsume;
  "basic.consume-ok": BasicConsumeOk;
  "basic.cancel": BasicCancel;
  "basic.cancel-ok": BasicCancelOk;
  "basic.publish": BasicPublish;
  "basic.return": BasicReturn;
  "basic.deliver": BasicDeliver;
  "basic.get": BasicGet;
  "basic.get-ok": BasicGetOk;
  "basic.get-empty": BasicGetEmpty;
  "basic.ack": BasicAck;
  "basic.reject": BasicReject;
  "basic.recover-async": BasicRecoverAsync;
  "basic.recover": BasicRecover;
  "basic.recover-ok": BasicRecoverOk;
  "basic.nack": BasicNack;
  "tx.select": TxSelect;
  "tx.select-ok": TxSelectOk;
  "tx.commit": TxCommit;
  "tx.commit-ok": TxCommitOk;
  "tx.rollback": TxRollback;
  "tx.rollback-ok": TxRollbackOk;
  "confirm.select": ConfirmSelect;
  "confirm.select-ok": ConfirmSelectOk;
}

export const METHOD_IDS: { readonly [K in MethodName]: { classId: number; methodId: number } } = Object.freeze({
  "connection.start": { classId: 10, methodId: 10 },
  "connection.start-ok": { classId: 10, methodId: 11 },
  "connection.secure": { classId: 10, methodId: 20 },
  "connection.secure-ok": { classId: 10, methodId: 21 },
  "connection.tune": { classId: 10, methodId: 30 },
  "connection.tune-ok": { classId: 10, methodId: 31 },
  "connection.open": { classId: 10, methodId: 40 },
  "connection.open-ok": { classId: 10, methodId: 41 },
  "connection.close": { classId: 10, methodId: 50 },
  "connection.close-ok": { classId: 10, methodId: 51 },
  "connection.blocked": { classId: 10, methodId: 60 },
  "connection.unblocked": { classId: 10, methodId: 61 },
  "connection.update-secret": { classId: 10, methodId: 70 },
  "connection.update-secret-ok": { classId: 10, methodId: 71 },
  "channel.open": { classId: 20, methodId: 10 },
  "channel.open-ok": { classId: 20, methodId: 11 },
  "channel.flow": { classId: 20, methodId: 20 },
  "channel.flow-ok": { classId: 20, methodId: 21 },
  "channel.close": { classId: 20, methodId: 40 },
  "channel.close-ok": { classId: 20, methodId: 41 },
  "access.request": { classId: 30, methodId: 10 },
  "access.request-ok": { classId: 30, methodId: 11 },
  "exchange.declare": { classId: 40, methodId: 10 },
  "exchange.declare-ok": { classId: 40, methodId: 11 },
  "exchange.delete": { classId: 40, methodId: 20 },
  "exchange.delete-ok": { classId: 40, methodId: 21 },
  "exchange.bind": { classId: 40, methodId: 30 },
  "exchange.bind-ok": { classId: 40, methodId: 31 },
  "exchange.unbind": { classId: 40, methodId: 40 },
  "exchange.unbind-ok": { classId: 40, methodId: 51 },
  "queue.declare": { classId: 50, methodId: 10 },
  "queue.declare-ok": { classId: 50, methodId: 11 },
  "queue.bind": { classId: 50, methodId: 20 },
  "queue.bind-ok": { classId: 50, methodId: 21 },
  "queue.purge": { classId: 50, methodId: 30 },
  "queue.purge-ok": { classId: 50, methodId: 31 },
  "queue.delete": { classId: 50, methodId: 40 },
  "queue.delete-ok": { classId: 50, methodId: 41 },
  "queue.unbind": { classId: 50, methodId: 50 },
  "queue.unbind-ok": { classId: 50, methodId: 51 },
  "basic.qos": { classId: 60, methodId: 10 },
  "basic.qos-ok": { classId: 60, methodId: 11 },
  "basic.consume": { classId: 60, methodId: 20 },
  "basic.consume-ok": { classId: 60, methodId: 21 },
  "basic.cancel": { classId: 60, methodId: 30 },
  "basic.cancel-ok": { classId: 60, methodId: 31 },
  "basic.publish": { classId: 60, methodId: 40 },
  "basic.return": { classId: 60, methodId: 50 },
  "basic.deliver": { classId: 60, methodId: 60 },
  "basic.get": { classId: 60, methodId: 70 },
  "basic.get-ok": { classId: 60, methodId: 71 },
  "basic.get-empty": { classId: 60, methodId: 72 },
  "basic.ack": { classId: 60, methodId: 80 },
  "basic.reject": { classId: 60, methodId: 90 },
  "basic.recover-async": { classId: 60, methodId: 100 },
  "basic.recover": { classId: 60, methodId: 110 },
  "basic.recover-ok": { classId: 60, methodId: 111 },
  "basic.nack": { classId: 60, methodId: 120 },
  "tx.select": { classId: 90, methodId: 10 },
  "tx.select-ok": { classId: 90, methodId: 11 },
  "tx.commit": { classId: 90, methodId: 20 },
  "tx.commit-ok": { classId: 90, methodId: 21 },
  "tx.rollback": { classId: 90, methodId: 30 },
  "tx.rollback-ok": { classId: 90, methodId: 31 },
  "confirm.select": { classId: 85, methodId: 10 },
  "confirm.select-ok": { classId: 85, methodId: 11 },
});

const METHOD_NAMES_BY_ID: ReadonlyMap<number, MethodName> = new Map(
  (Object.keys(METHOD_IDS) as MethodName[]).map((name) => [METHOD_IDS[name].classId * 0x10000 + METHOD_IDS[name].methodId, name]),
);

/** The dotted name of a method, or undefined when the ids name no method. */
export function methodName(classId: number, methodId: number): MethodName | undefined {
  return METHOD_NAMES_BY_ID.get(classId * 0x10000 + methodId);
}

const CONTENT_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(["basic.publish", "basic.return", "basic.deliver", "basic.get-ok"]);

/** Methods followed by a content header and body frames (spec: content="1"). */
export function isContentMethod(name: MethodName): boolean {
  return CONTENT_METHODS.has(name);
}

const SYNCHRONOUS_METHODS: ReadonlySet<MethodName> = new Set<MethodName>([
  "connection.start",
  "connection.secure",
  "connection.tune",
  "connection.open",
  "connection.close",
  "connection.update-secret",
  "channel.open",
  "channel.flow",
  "channel.close",
  "access.request",
  "exchange.declare",
  "exchange.delete",
  "exchange.bind",
  "exchange.unbind",
  "queue.declare",
  "queue.bind",
  "queue.purge",
  "queue.delete",
  "queue.unbind",
  "basic.qos",
  "basic.consume",
  "basic.cancel",
  "basic.get",
  "basic.recover",
  "tx.select",
  "tx.commit",
  "tx.rollback",
  "confirm.select",
]);

/** Requests that the peer answers with a reply method (spec: synchronous="1"). */
export function isSynchronousMethod(name: MethodName): boolean {
  return SYNCHRONOUS_METHODS.has(name);
}

/**
 * Decodes a method frame's payload (class-id, method-id, arguments). Arguments that
 * cannot be decoded (truncated, a shortstr that is not UTF-8, a malformed table, bytes
 * after the last argument) throw FRAME_ERROR, as RabbitMQ 3.10.8 answers them ("cannot
 * decode <<...>>"). Ids that name no method throw COMMAND_INVALID: RabbitMQ crashes the
 * connection there without a reply code. The thrown BrokerError carries both ids.
 */
export function decodeMethod(payload: Buffer): Method {
  if (payload.length < 4) {
    throw fail.frameError(`method frame payload of ${payload.length} bytes; class-id and method-id need 4`);
  }
  const classId = payload.readUInt16BE(0);
  const methodId = payload.readUInt16BE(2);
  const reader = new ByteReader(payload, 4);
  let decoded: Method;
  try {
    switch (classId * 0x10000 + methodId) {
      case 0x000a000a: // connection.start
        decoded = decodeConnectionStart(reader);
        break;
      case 0x000a000b: // connection.start-ok
        decoded = decodeConnectionStartOk(reader);
        break;
      case 0x000a0014: // connection.secure
        decoded = decodeConnectionSecure(reader);
        break;
      case 0x000a0015: // connection.secure-ok
        decoded = decodeConnectionSecureOk(reader);
        break;
      case 0x000a001e: // connection.tune
        decoded = decodeConnectionTune(reader);
        break;
      case 0x000a001f: // connection.tune-ok
        decoded = decodeConnectionTuneOk(reader);
        break;
      case 0x000a0028: // connection.open
        decoded = decodeConnectionOpen(reader);
        break;
      case 0x000a0029: // connection.open-ok
        decoded = decodeConnectionOpenOk(reader);
        break;
      case 0x000a0032: // connection.close
        decoded = decodeConnectionClose(reader);
        break;
      case 0x000a0033: // connection.close-ok
        decoded = decodeConnectionCloseOk(reader);
        break;
      case 0x000a003c: // connection.blocked
        decoded = decodeConnectionBlocked(reader);
        break;
      case 0x000a003d: // connection.unblocked
        decoded = decodeConnectionUnblocked(reader);
        break;
      case 0x000a0046: // connection.update-secret
        decoded = decodeConnectionUpdateSecret(reader);
        break;
      case 0x000a0047: // connection.update-secret-ok
        decoded = decodeConnectionUpdateSecretOk(reader);
        break;
      case 0x0014000a: // channel.open
        decoded = decodeChannelOpen(reader);
        break;
      case 0x0014000b: // channel.open-ok
        decoded = decodeChannelOpenOk(reader);
        break;
      case 0x00140014: // channel.flow
        decoded = decodeChannelFlow(reader);
        break;
      case 0x00140015: // channel.flow-ok
        decoded = decodeChannelFlowOk(reader);
        break;
      case 0x00140028: // channel.close
        decoded = decodeChannelClose(reader);
        break;
      case 0x00140029: // channel.close-ok
        decoded = decodeChannelCloseOk(reader);
        break;
      case 0x001e000a: // access.request
        decoded = decodeAccessRequest(reader);
        break;
      case 0x001e000b: // access.request-ok
        decoded = decodeAccessRequestOk(reader);
        break;
      case 0x0028000a: // exchange.declare
        decoded = decodeExchangeDeclare(reader);
        break;
      case 0x0028000b: // exchange.declare-ok
        decoded = decodeExchangeDeclareOk(reader);
        break;
      case 0x00280014: // exchange.delete
        decoded = decodeExchangeDelete(reader);
        break;
      case 0x00280015: // exchange.delete-ok
        decoded = decodeExchangeDeleteOk(reader);
        break;
      case 0x0028001e: // exchange.bind
        decoded = decodeExchangeBind(reader);
        break;
      case 0x0028001f: // exchange.bind-ok
        decoded = decodeExchangeBindOk(reader);
        break;
      case 0x00280028: // exchange.unbind
        decoded = decodeExchangeUnbind(reader);
        break;
      case 0x00280033: // exchange.unbind-ok
        decoded = decodeExchangeUnbindOk(reader);
        break;
      case 0x0032000a: // queue.declare
        decoded = decodeQueueDeclare(reader);
        break;
      case 0x0032000b: // queue.declare-ok
        decoded = decodeQueueDeclareOk(reader);
        break;
      case 0x00320014: // queue.bind
        decoded = decodeQueueBind(reader);
        break;
      case 0x00320015: // queue.bind-ok
        decoded = decodeQueueBindOk(reader);
        break;
      case 0x0032001e: // queue.purge
        decoded = decodeQueuePurge(reader);
        break;
      case 0x0032001f: // queue.purge-ok
        decoded = decodeQueuePurgeOk(reader);
        break;
      case 0x00320028: // queue.delete
        decoded = decodeQueueDelete(reader);
        break;
      case 0x00320029: // queue.delete-ok
        decoded = decodeQueueDeleteOk(reader);
        break;
      case 0x00320032: // queue.unbind
        decoded = decodeQueueUnbind(reader);
        break;
      case 0x00320033: // queue.unbind-ok
        decoded = decodeQueueUnbindOk(reader);
        break;
      case 0x003c000a: // basic.qos
        decoded = decodeBasicQos(reader);
        break;
      case 0x003c000b: // basic.qos-ok
        decoded = decodeBasicQosOk(reader);
        break;
      case 0x003c0014: // basic.consume
        decoded = decodeBasicConsume(reader);
        break;
      case 0x003c0015: // basic.consume-ok
        decoded = decodeBasicConsumeOk(reader);
        break;
      case 0x003c001e: // basic.cancel
        decoded = decodeBasicCancel(reader);
        break;
      case 0x003c001f: // basic.cancel-ok
        decoded = decodeBasicCancelOk(reader);
        break;
      case 0x003c0028: // basic.publish
        decoded = decodeBasicPublish(reader);
        break;
      case 0x003c0032: // basic.return
        decoded = decodeBasicReturn(reader);
        break;
      case 0x003c003c: // basic.deliver
        decoded = decodeBasicDeliver(reader);
        break;
      case 0x003c0046: // basic.get
        decoded = decodeBasicGet(reader);
        break;
      case 0x003c0047: // basic.get-ok
        decoded = decodeBasicGetOk(reader);
        break;
      case 0x003c0048: // basic.get-empty
        decoded = decodeBasicGetEmpty(reader);
        break;
      case 0x003c0050: // basic.ack
        decoded = decodeBasicAck(reader);
        break;
      case 0x003c005a: // basic.reject
        decoded = decodeBasicReject(reader);
        break;
      case 0x003c0064: // basic.recover-async
        decoded = decodeBasicRecoverAsync(reader);
        break;
      case 0x003c006e: // basic.recover
        decoded = decodeBasicRecover(reader);
        break;
      case 0x003c006f: // basic.recover-ok
        decoded = decodeBasicRecoverOk(reader);
        break;
      case 0x003c0078: // basic.nack
        decoded = decodeBasicNack(reader);
        break;
      case 0x005a000a: // tx.select
        decoded = decodeTxSelect(reader);
        break;
      case 0x005a000b: // tx.select-ok
        decoded = decodeTxSelectOk(reader);
        break;
      case 0x005a0014: // tx.commit
        decoded = decodeTxCommit(reader);
        break;
      case 0x005a0015: // tx.commit-ok
        decoded = decodeTxCommitOk(reader);
        break;
      case 0x005a001e: // tx.rollback
        decoded = decodeTxRollback(reader);
        break;
      case 0x005a001f: // tx.rollback-ok
        decoded = decodeTxRollbackOk(reader);
        break;
      case 0x0055000a: // confirm.select
        decoded = decodeConfirmSelect(reader);
        break;
      case 0x0055000b: // confirm.select-ok
        decoded = decodeConfirmSelectOk(reader);
        break;
      default:
        throw new BrokerError(Errors.COMMAND_INVALID, `unknown method: class-id ${classId}, method-id ${methodId}`, classId, methodId);
    }
  } catch (error) {
    throw decodeFailure(error, classId, methodId);
  }
  if (reader.remainingBytes !== 0) {
    const detail = `cannot decode ${decoded.method}: ${reader.remainingBytes} bytes after the last argument`;
    throw new BrokerError(Errors.FRAME_ERROR, detail, classId, methodId);
  }
  return decoded;
}

/** Malformed input, from the reader or from decodeTable (SYNTAX_ERROR there), becomes FRAME_ERROR. */
function decodeFailure(error: unknown, classId: number, methodId: number): unknown {
  const name = methodName(classId, methodId) ?? `class-id ${classId}, method-id ${methodId}`;
  if (error instanceof MalformedInputError) {
    return new BrokerError(Errors.FRAME_ERROR, `cannot decode ${name}: ${error.message}`, classId, methodId);
  }
  if (error instanceof BrokerError && error.kind === Errors.SYNTAX_ERROR) {
    return new BrokerError(Errors.FRAME_ERROR, `cannot decode ${name}: ${error.detail}`, classId, methodId);
  }
  return error;
}

function readTable(reader: ByteReader): FieldTable {
  const { table, end } = decodeTable(reader.buffer, reader.offset);
  reader.offset = end;
  return table;
}

function readLongString(reader: ByteReader): Buffer {
  return reader.copy(reader.long());
}

function decodeConnectionStart(reader: ByteReader): ConnectionStart {
  const versionMajor = reader.octet();
  const versionMinor = reader.octet();
  const serverProperties = readTable(reader);
  const mechanisms = readLongString(reader);
  const locales = readLongString(reader);
  return { method: "connection.start", versionMajor, versionMinor, serverProperties, mechanisms, locales };
}

function decodeConnectionStartOk(reader: ByteReader): ConnectionStartOk {
  const clientProperties = readTable(reader);
  const mechanism = reader.shortString();
  const response = readLongString(reader);
  const locale = reader.shortString();
  return { method: "connection.start-ok", clientProperties, mechanism, response, locale };
}

function decodeConnectionSecure(reader: ByteReader): ConnectionSecure {
  const challenge = readLongString(reader);
  return { method: "connection.secure", challenge };
}

function decodeConnectionSecureOk(reader: ByteReader): ConnectionSecureOk {
  const response = readLongString(reader);
  return { method: "connection.secure-ok", response };
}

function decodeConnectionTune(reader: ByteReader): ConnectionTune {
  const channelMax = reader.short();
  const frameMax = reader.long();
  const heartbeat = reader.short();
  return { method: "connection.tune", channelMax, frameMax, heartbeat };
}

function decodeConnectionTuneOk(reader: ByteReader): ConnectionTuneOk {
  const channelMax = reader.short();
  const frameMax = reader.long();
  const heartbeat = reader.short();
  return { method: "connection.tune-ok", channelMax, frameMax, heartbeat };
}

function decodeConnectionOpen(reader: ByteReader): ConnectionOpen {
  const virtualHost = reader.shortString();
  const capabilities = reader.shortString();
  const bits0 = reader.octet();
  const insist = (bits0 & 1) !== 0;
  return { method: "connection.open", virtualHost, capabilities, insist };
}

function decodeConnectionOpenOk(reader: ByteReader): ConnectionOpenOk {
  const knownHosts = reader.shortString();
  return { method: "connection.open-ok", knownHosts };
}

function decodeConnectionClose(reader: ByteReader): ConnectionClose {
  const replyCode = reader.short();
  const replyText = reader.shortString();
  const classId = reader.short();
  const methodId = reader.short();
  return { method: "connection.close", replyCode, replyText, classId, methodId };
}

function decodeConnectionCloseOk(_reader: ByteReader): ConnectionCloseOk {
  return { method: "connection.close-ok" };
}

function decodeConnectionBlocked(reader: ByteReader): ConnectionBlocked {
  const reason = reader.shortString();
  return { method: "connection.blocked", reason };
}

function decodeConnectionUnblocked(_reader: ByteReader): ConnectionUnblocked {
  return { method: "connection.unblocked" };
}

function decodeConnectionUpdateSecret(reader: ByteReader): ConnectionUpdateSecret {
  const newSecret = readLongString(reader);
  const reason = reader.shortString();
  return { method: "connection.update-secret", newSecret, reason };
}

function decodeConnectionUpdateSecretOk(_reader: ByteReader): ConnectionUpdateSecretOk {
  return { method: "connection.update-secret-ok" };
}

function decodeChannelOpen(reader: ByteReader): ChannelOpen {
  const outOfBand = reader.shortString();
  return { method: "channel.open", outOfBand };
}

function decodeChannelOpenOk(reader: ByteReader): ChannelOpenOk {
  const channelId = readLongString(reader);
  return { method: "channel.open-ok", channelId };
}

function decodeChannelFlow(reader: ByteReader): ChannelFlow {
  const bits0 = reader.octet();
  const active = (bits0 & 1) !== 0;
  return { method: "channel.flow", active };
}

function decodeChannelFlowOk(reader: ByteReader): ChannelFlowOk {
  const bits0 = reader.octet();
  const active = (bits0 & 1) !== 0;
  return { method: "channel.flow-ok", active };
}

function decodeChannelClose(reader: ByteReader): ChannelClose {
  const replyCode = reader.short();
  const replyText = reader.shortString();
  const classId = reader.short();
  const methodId = reader.short();
  return { method: "channel.close", replyCode, replyText, classId, methodId };
}

function decodeChannelCloseOk(_reader: ByteReader): ChannelCloseOk {
  return { method: "channel.close-ok" };
}

function decodeAccessRequest(reader: ByteReader): AccessRequest {
  const realm = reader.shortString();
  const bits0 = reader.octet();
  const exclusive = (bits0 & 1) !== 0;
  const passive = (bits0 & 2) !== 0;
  const active = (bits0 & 4) !== 0;
  const write = (bits0 & 8) !== 0;
  const read = (bits0 & 16) !== 0;
  return { method: "access.request", realm, exclusive, passive, active, write, read };
}

function decodeAccessRequestOk(reader: ByteReader): AccessRequestOk {
  const ticket = reader.short();
  return { method: "access.request-ok", ticket };
}

function decodeExchangeDeclare(reader: ByteReader): ExchangeDeclare {
  const ticket = reader.short();
  const exchange = reader.shortString();
  const typeValue = reader.shortString();
  const bits0 = reader.octet();
  const passive = (bits0 & 1) !== 0;
  const durable = (bits0 & 2) !== 0;
  const autoDelete = (bits0 & 4) !== 0;
  const internal = (bits0 & 8) !== 0;
  const nowait = (bits0 & 16) !== 0;
  const argumentsValue = readTable(reader);
  return { method: "exchange.declare", ticket, exchange, type: typeValue, passive, durable, autoDelete, internal, nowait, arguments: argumentsValue };
}

function decodeExchangeDeclareOk(_reader: ByteReader): ExchangeDeclareOk {
  return { method: "exchange.declare-ok" };
}

function decodeExchangeDelete(reader: ByteReader): ExchangeDelete {
  const ticket = reader.short();
  const exchange = reader.shortString();
  const bits0 = reader.octet();
  const ifUnused = (bits0 & 1) !== 0;
  const nowait = (bits0 & 2) !== 0;
  return { method: "exchange.delete", ticket, exchange, ifUnused, nowait };
}

function decodeExchangeDeleteOk(_reader: ByteReader): ExchangeDeleteOk {
  return { method: "exchange.delete-ok" };
}

function decodeExchangeBind(reader: ByteReader): ExchangeBind {
  const ticket = reader.short();
  const destination = reader.shortString();
  const source = reader.shortString();
  const routingKey = reader.shortString();
  const bits0 = reader.octet();
  const nowait = (bits0 & 1) !== 0;
  const argumentsValue = readTable(reader);
  return { method: "exchange.bind", ticket, destination, source, routingKey, nowait, arguments: argumentsValue };
}

function decodeExchangeBindOk(_reader: ByteReader): ExchangeBindOk {
  return { method: "exchange.bind-ok" };
}

function decodeExchangeUnbind(reader: ByteReader): ExchangeUnbind {
  const ticket = reader.short();
  const destination = reader.shortString();
  const source = reader.shortString();
  const routingKey = reader.shortString();
  const bits0 = reader.octet();
  const nowait = (bits0 & 1) !== 0;
  const argumentsValue = readTable(reader);
  return { method: "exchange.unbind", ticket, destination, source, routingKey, nowait, arguments: argumentsValue };
}

function decodeExchangeUnbindOk(_reader: ByteReader): ExchangeUnbindOk {
  return { method: "exchange.unbind-ok" };
}

function decodeQueueDeclare(reader: ByteReader): QueueDeclare {
  const ticket = reader.short();
  const queue = reader.shortString();
  const bits0 = reader.octet();
  const passive = (bits0 & 1) !== 0;
  const durable = (bits0 & 2) !== 0;
  const exclusive = (bits0 & 4) !== 0;
  const autoDelete = (bits0 & 8) !== 0;
  const nowait = (bits0 & 16) !== 0;
  const argumentsValue = readTable(reader);
  return { method: "queue.declare", ticket, queue, passive, durable, exclusive, autoDelete, nowait, arguments: argumentsValue };
}

function decodeQueueDeclareOk(reader: ByteReader): QueueDeclareOk {
  const queue = reader.shortString();
  const messageCount = reader.long();
  const consumerCount = reader.long();
  return { method: "queue.declare-ok", queue, messageCount, consumerCount };
}

function decodeQueueBind(reader: ByteReader): QueueBind {
  const ticket = reader.short();
  const queue = reader.shortString();
  const exchange = reader.shortString();
  const routingKey = reader.shortString();
  const bits0 = reader.octet();
  const nowait = (bits0 & 1) !== 0;
  const argumentsValue = readTable(reader);
  return { method: "queue.bind", ticket, queue, exchange, routingKey, nowait, arguments: argumentsValue };
}

function decodeQueueBindOk(_reader: ByteReader): QueueBindOk {
  return { method: "queue.bind-ok" };
}

function decodeQueuePurge(reader: ByteReader): QueuePurge {
  const ticket = reader.short();
  const queue = reader.shortString();
  const bits0 = reader.octet();
  const nowait = (bits0 & 1) !== 0;
  return { method: "queue.purge", ticket, queue, nowait };
}

function decodeQueuePurgeOk(reader: ByteReader): QueuePurgeOk {
  const messageCount = reader.long();
  return { method: "queue.purge-ok", messageCount };
}

function decodeQueueDelete(reader: ByteReader): QueueDelete {
  const ticket = reader.short();
  const queue = reader.shortString();
  const bits0 = reader.octet();
  const ifUnused = (bits0 & 1) !== 0;
  const ifEmpty = (bits0 & 2) !== 0;
  const nowait = (bits0 & 4) !== 0;
  return { method: "queue.delete", ticket, queue, ifUnused, ifEmpty, nowait };
}

function decodeQueueDeleteOk(reader: ByteReader): QueueDeleteOk {
  const messageCount = reader.long();
  return { method: "queue.delete-ok", messageCount };
}

function decodeQueueUnbind(reader: ByteReader): QueueUnbind {
  const ticket = reader.short();
  const queue = reader.shortString();
  const exchange = reader.shortString();
  const routingKey = reader.shortString();
  const argumentsValue = readTable(reader);
  return { method: "queue.unbind", ticket, queue, exchange, routingKey, arguments: argumentsValue };
}

function decodeQueueUnbindOk(_reader: ByteReader): QueueUnbindOk {
  return { method: "queue.unbind-ok" };
}

function decodeBasicQos(reader: ByteReader): BasicQos {
  const prefetchSize = reader.long();
  const prefetchCount = reader.short();
  const bits0 = reader.octet();
  const globalValue = (bits0 & 1) !== 0;
  return { method: "basic.qos", prefetchSize, prefetchCount, global: globalValue };
}

function decodeBasicQosOk(_reader: ByteReader): BasicQosOk {
  return { method: "basic.qos-ok" };
}

function decodeBasicConsume(reader: ByteReader): BasicConsume {
  const ticket = reader.short();
  const queue = reader.shortString();
  const consumerTag = reader.shortString();
  const bits0 = reader.octet();
  const noLocal = (bits0 & 1) !== 0;
  const noAck = (bits0 & 2) !== 0;
  const exclusive = (bits0 & 4) !== 0;
  const nowait = (bits0 & 8) !== 0;
  const argumentsValue = readTable(reader);
  return { method: "basic.consume", ticket, queue, consumerTag, noLocal, noAck, exclusive, nowait, arguments: argumentsValue };
}

function decodeBasicConsumeOk(reader: ByteReader): BasicConsumeOk {
  const consumerTag = reader.shortString();
  return { method: "basic.consume-ok", consumerTag };
}

function decodeBasicCancel(reader: ByteReader): BasicCancel {
  const consumerTag = reader.shortString();
  const bits0 = reader.octet();
  const nowait = (bits0 & 1) !== 0;
  return { method: "basic.cancel", consumerTag, nowait };
}

function decodeBasicCancelOk(reader: ByteReader): BasicCancelOk {
  const consumerTag = reader.shortString();
  return { method: "basic.cancel-ok", consumerTag };
}

function decodeBasicPublish(reader: ByteReader): BasicPublish {
  const ticket = reader.short();
  const exchange = reader.shortString();
  const routingKey = reader.shortString();
  const bits0 = reader.octet();
  const mandatory = (bits0 & 1) !== 0;
  const immediate = (bits0 & 2) !== 0;
  return { method: "basic.publish", ticket, exchange, routingKey, mandatory, immediate };
}

function decodeBasicReturn(reader: ByteReader): BasicReturn {
  const replyCode = reader.short();
  const replyText = reader.shortString();
  const exchange = reader.shortString();
  const routingKey = reader.shortString();
  return { method: "basic.return", replyCode, replyText, exchange, routingKey };
}

function decodeBasicDeliver(reader: ByteReader): BasicDeliver {
  const consumerTag = reader.shortString();
  const deliveryTag = reader.longlong();
  const bits0 = reader.octet();
  const redelivered = (bits0 & 1) !== 0;
  const exchange = reader.shortString();
  const routingKey = reader.shortString();
  return { method: "basic.deliver", consumerTag, deliveryTag, redelivered, exchange, routingKey };
}

function decodeBasicGet(reader: ByteReader): BasicGet {
  const ticket = reader.short();
  const queue = reader.shortString();
  const bits0 = reader.octet();
  const noAck = (bits0 & 1) !== 0;
  return { method: "basic.get", ticket, queue, noAck };
}

function decodeBasicGetOk(reader: ByteReader): BasicGetOk {
  const deliveryTag = reader.longlong();
  const bits0 = reader.octet();
  const redelivered = (bits0 & 1) !== 0;
  const exchange = reader.shortString();
  const routingKey = reader.shortString();
  const messageCount = reader.long();
  return { method: "basic.get-ok", deliveryTag, redelivered, exchange, routingKey, messageCount };
}

function decodeBasicGetEmpty(reader: ByteReader): BasicGetEmpty {
  const clusterId = reader.shortString();
  return { method: "basic.get-empty", clusterId };
}

function decodeBasicAck(reader: ByteReader): BasicAck {
  const deliveryTag = reader.longlong();
  const bits0 = reader.octet();
  const multiple = (bits0 & 1) !== 0;
  return { method: "basic.ack", deliveryTag, multiple };
}

function decodeBasicReject(reader: ByteReader): BasicReject {
  const deliveryTag = reader.longlong();
  const bits0 = reader.octet();
  const requeue = (bits0 & 1) !== 0;
  return { method: "basic.reject", deliveryTag, requeue };
}

function decodeBasicRecoverAsync(reader: ByteReader): BasicRecoverAsync {
  const bits0 = reader.octet();
  const requeue = (bits0 & 1) !== 0;
  return { method: "basic.recover-async", requeue };
}

function decodeBasicRecover(reader: ByteReader): BasicRecover {
  const bits0 = reader.octet();
  const requeue = (bits0 & 1) !== 0;
  return { method: "basic.recover", requeue };
}

function decodeBasicRecoverOk(_reader: ByteReader): BasicRecoverOk {
  return { method: "basic.recover-ok" };
}

function decodeBasicNack(reader: ByteReader): BasicNack {
  const deliveryTag = reader.longlong();
  const bits0 = reader.octet();
  const multiple = (bits0 & 1) !== 0;
  const requeue = (bits0 & 2) !== 0;
  return { method: "basic.nack", deliveryTag, multiple, requeue };
}

function decodeTxSelect(_reader: ByteReader): TxSelect {
  return { method: "tx.select" };
}

function decodeTxSelectOk(_reader: ByteReader): TxSelectOk {
  return { method: "tx.select-ok" };
}

function decodeTxCommit(_reader: ByteReader): TxCommit {
  return { method: "tx.commit" };
}

function decodeTxCommitOk(_reader: ByteReader): TxCommitOk {
  return { method: "tx.commit-ok" };
}

function decodeTxRollback(_reader: ByteReader): TxRollback {
  return { method: "tx.rollback" };
}

function decodeTxRollbackOk(_reader: ByteReader): TxRollbackOk {
  return { method: "tx.rollback-ok" };
}

function decodeConfirmSelect(reader: ByteReader): ConfirmSelect {
  const bits0 = reader.octet();
  const nowait = (bits0 & 1) !== 0;
  return { method: "confirm.select", nowait };
}

function decodeConfirmSelectOk(_reader: ByteReader): ConfirmSelectOk {
  return { method: "confirm.select-ok" };
}

/** Encodes a method frame's payload: class-id, method-id, arguments (bits packed into octets). */
export function encodeMethod(m: MethodInit): Buffer {
  return encodeMethodWithRoom(m, 0, 0);
}

/**
 * Encodes a method's payload into a new Buffer that leaves `headroomBytes` before and
 * `tailroomBytes` after it unwritten, so the frame writer fills in the frame header and
 * frame-end around it without a second allocation or copy.
 * A string too long for its shortstr field is a bug in the caller: RangeError.
 */
export function encodeMethodWithRoom(m: MethodInit, headroomBytes: number, tailroomBytes: number): Buffer {
  switch (m.method) {
    case "connection.start":
      return encodeConnectionStart(m, headroomBytes, tailroomBytes);
    case "connection.start-ok":
      return encodeConnectionStartOk(m, headroomBytes, tailroomBytes);
    case "connection.secure":
      return encodeConnectionSecure(m, headroomBytes, tailroomBytes);
    case "connection.secure-ok":
      return encodeConnectionSecureOk(m, headroomBytes, tailroomBytes);
    case "connection.tune":
      return encodeConnectionTune(m, headroomBytes, tailroomBytes);
    case "connection.tune-ok":
      return encodeConnectionTuneOk(m, headroomBytes, tailroomBytes);
    case "connection.open":
      return encodeConnectionOpen(m, headroomBytes, tailroomBytes);
    case "connection.open-ok":
      return encodeConnectionOpenOk(m, headroomBytes, tailroomBytes);
    case "connection.close":
      return encodeConnectionClose(m, headroomBytes, tailroomBytes);
    case "connection.close-ok":
      return encodeConnectionCloseOk(m, headroomBytes, tailroomBytes);
    case "connection.blocked":
      return encodeConnectionBlocked(m, headroomBytes, tailroomBytes);
    case "connection.unblocked":
      return encodeConnectionUnblocked(m, headroomBytes, tailroomBytes);
    case "connection.update-secret":
      return encodeConnectionUpdateSecret(m, headroomBytes, tailroomBytes);
    case "connection.update-secret-ok":
      return encodeConnectionUpdateSecretOk(m, headroomBytes, tailroomBytes);
    case "channel.open":
      return encodeChannelOpen(m, headroomBytes, tailroomBytes);
    case "channel.open-ok":
      return encodeChannelOpenOk(m, headroomBytes, tailroomBytes);
    case "channel.flow":
      return encodeChannelFlow(m, headroomBytes, tailroomBytes);
    case "channel.flow-ok":
      return encodeChannelFlowOk(m, headroomBytes, tailroomBytes);
    case "channel.close":
      return encodeChannelClose(m, headroomBytes, tailroomBytes);
    case "channel.close-ok":
      return encodeChannelCloseOk(m, headroomBytes, tailroomBytes);
    case "access.request":
      return encodeAccessRequest(m, headroomBytes, tailroomBytes);
    case "access.request-ok":
      return encodeAccessRequestOk(m, headroomBytes, tailroomBytes);
    case "exchange.declare":
      return encodeExchangeDeclare(m, headroomBytes, tailroomBytes);
    case "exchange.declare-ok":
      return encodeExchangeDeclareOk(m, headroomBytes, tailroomBytes);
    case "exchange.delete":
      return encodeExchangeDelete(m, headroomBytes, tailroomBytes);
    case "exchange.delete-ok":
      return encodeExchangeDeleteOk(m, headroomBytes, tailroomBytes);
    case "exchange.bind":
      return encodeExchangeBind(m, headroomBytes, tailroomBytes);
    case "exchange.bind-ok":
      return encodeExchangeBindOk(m, headroomBytes, tailroomBytes);
    case "exchange.unbind":
      return encodeExchangeUnbind(m, headroomBytes, tailroomBytes);
    case "exchange.unbind-ok":
      return encodeExchangeUnbindOk(m, headroomBytes, tailroomBytes);
    case "queue.declare":
      return encodeQueueDeclare(m, headroomBytes, tailroomBytes);
    case "queue.declare-ok":
      return encodeQueueDeclareOk(m, headroomBytes, tailroomBytes);
    case "queue.bind":
      return encodeQueueBind(m, headroomBytes, tailroomBytes);
    case "queue.bind-ok":
      return encodeQueueBindOk(m, headroomBytes, tailroomBytes);
    case "queue.purge":
      return encodeQueuePurge(m, headroomBytes, tailroomBytes);
    case "queue.purge-ok":
      return encodeQueuePurgeOk(m, headroomBytes, tailroomBytes);
    case "queue.delete":
      return encodeQueueDelete(m, headroomBytes, tailroomBytes);
    case "queue.delete-ok":
      return encodeQueueDeleteOk(m, headroomBytes, tailroomBytes);
    case "queue.unbind":
      return encodeQueueUnbind(m, headroomBytes, tailroomBytes);
    case "queue.unbind-ok":
      return encodeQueueUnbindOk(m, headroomBytes, tailroomBytes);
    case "basic.qos":
      return encodeBasicQos(m, headroomBytes, tailroomBytes);
    case "basic.qos-ok":
      return encodeBasicQosOk(m, headroomBytes, tailroomBytes);
    case "basic.consume":
      return encodeBasicConsume(m, headroomBytes, tailroomBytes);
    case "basic.consume-ok":
      return encodeBasicConsumeOk(m, headroomBytes, tailroomBytes);
    case "basic.cancel":
      return encodeBasicCancel(m, headroomBytes, tailroomBytes);
    case "basic.cancel-ok":
      return encodeBasicCancelOk(m, headroomBytes, tailroomBytes);
    case "basic.publish":
      return encodeBasicPublish(m, headroomBytes, tailroomBytes);
    case "basic.return":
      return encodeBasicReturn(m, headroomBytes, tailroomBytes);
    case "basic.deliver":
      return encodeBasicDeliver(m, headroomBytes, tailroomBytes);
    case "basic.get":
      return encodeBasicGet(m, headroomBytes, tailroomBytes);
    case "basic.get-ok":
      return encodeBasicGetOk(m, headroomBytes, tailroomBytes);
    case "basic.get-empty":
      return encodeBasicGetEmpty(m, headroomBytes, tailroomBytes);
    case "basic.ack":
      return encodeBasicAck(m, headroomBytes, tailroomBytes);
    case "basic.reject":
      return encodeBasicReject(m, headroomBytes, tailroomBytes);
    case "basic.recover-async":
      return encodeBasicRecoverAsync(m, headroomBytes, tailroomBytes);
    case "basic.recover":
      return encodeBasicRecover(m, headroomBytes, tailroomBytes);
    case "basic.recover-ok":
      return encodeBasicRecoverOk(m, headroomBytes, tailroomBytes);
    case "basic.nack":
      return encodeBasicNack(m, headroomBytes, tailroomBytes);
    case "tx.select":
      return encodeTxSelect(m, headroomBytes, tailroomBytes);
    case "tx.select-ok":
      return encodeTxSelectOk(m, headroomBytes, tailroomBytes);
    case "tx.commit":
      return encodeTxCommit(m, headroomBytes, tailroomBytes);
    case "tx.commit-ok":
      return encodeTxCommitOk(m, headroomBytes, tailroomBytes);
    case "tx.rollback":
      return encodeTxRollback(m, headroomBytes, tailroomBytes);
    case "tx.rollback-ok":
      return encodeTxRollbackOk(m, headroomBytes, tailroomBytes);
    case "confirm.select":
      return encodeConfirmSelect(m, headroomBytes, tailroomBytes);
    case "confirm.select-ok":
      return encodeConfirmSelectOk(m, headroomBytes, tailroomBytes);
    default: {
      const unknown: never = m;
      throw new TypeError(`cannot encode unknown method ${JSON.stringify((unknown as { method: unknown }).method)}`);
    }
  }
}

function encodeConnectionStart(m: ConnectionStartInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const serverProperties = m.serverProperties;
  const mechanisms = m.mechanisms ?? LONG_STRING_PLAIN;
  const locales = m.locales ?? LONG_STRING_EN_US;
  const buffer = Buffer.allocUnsafe(headroomBytes + 14 + encodedTableSizeBytes(serverProperties) + mechanisms.length + locales.length + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a000a, headroomBytes); // connection.start
  offset = buffer.writeUInt8(m.versionMajor ?? 0, offset);
  offset = buffer.writeUInt8(m.versionMinor ?? 9, offset);
  offset = writeTable(serverProperties, buffer, offset);
  offset = writeLongBytes(buffer, mechanisms, offset);
  offset = writeLongBytes(buffer, locales, offset);
  return buffer;
}

function encodeConnectionStartOk(m: ConnectionStartOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const clientProperties = m.clientProperties;
  const mechanism = m.mechanism ?? "PLAIN";
  const mechanismBytes = boundedByteLength(mechanism, SHORT_STRING_BYTES_MAX, "connection.start-ok mechanism");
  const response = m.response;
  const locale = m.locale ?? "en_US";
  const localeBytes = boundedByteLength(locale, SHORT_STRING_BYTES_MAX, "connection.start-ok locale");
  const buffer = Buffer.allocUnsafe(headroomBytes + 10 + encodedTableSizeBytes(clientProperties) + mechanismBytes + response.length + localeBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a000b, headroomBytes); // connection.start-ok
  offset = writeTable(clientProperties, buffer, offset);
  offset = writeShortString(buffer, mechanism, mechanismBytes, offset);
  offset = writeLongBytes(buffer, response, offset);
  offset = writeShortString(buffer, locale, localeBytes, offset);
  return buffer;
}

function encodeConnectionSecure(m: ConnectionSecureInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const challenge = m.challenge;
  const buffer = Buffer.allocUnsafe(headroomBytes + 8 + challenge.length + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a0014, headroomBytes); // connection.secure
  offset = writeLongBytes(buffer, challenge, offset);
  return buffer;
}

function encodeConnectionSecureOk(m: ConnectionSecureOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const response = m.response;
  const buffer = Buffer.allocUnsafe(headroomBytes + 8 + response.length + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a0015, headroomBytes); // connection.secure-ok
  offset = writeLongBytes(buffer, response, offset);
  return buffer;
}

function encodeConnectionTune(m: ConnectionTuneInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 12 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a001e, headroomBytes); // connection.tune
  offset = buffer.writeUInt16BE(m.channelMax ?? 0, offset);
  offset = buffer.writeUInt32BE(m.frameMax ?? 0, offset);
  offset = buffer.writeUInt16BE(m.heartbeat ?? 0, offset);
  return buffer;
}

function encodeConnectionTuneOk(m: ConnectionTuneOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 12 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a001f, headroomBytes); // connection.tune-ok
  offset = buffer.writeUInt16BE(m.channelMax ?? 0, offset);
  offset = buffer.writeUInt32BE(m.frameMax ?? 0, offset);
  offset = buffer.writeUInt16BE(m.heartbeat ?? 0, offset);
  return buffer;
}

function encodeConnectionOpen(m: ConnectionOpenInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const virtualHost = m.virtualHost ?? "/";
  const virtualHostBytes = boundedByteLength(virtualHost, SHORT_STRING_BYTES_MAX, "connection.open virtual-host");
  const capabilities = m.capabilities ?? "";
  const capabilitiesBytes = boundedByteLength(capabilities, SHORT_STRING_BYTES_MAX, "connection.open capabilities");
  const buffer = Buffer.allocUnsafe(headroomBytes + 7 + virtualHostBytes + capabilitiesBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a0028, headroomBytes); // connection.open
  offset = writeShortString(buffer, virtualHost, virtualHostBytes, offset);
  offset = writeShortString(buffer, capabilities, capabilitiesBytes, offset);
  buffer[offset++] = ((m.insist ?? false) ? 1 : 0);
  return buffer;
}

function encodeConnectionOpenOk(m: ConnectionOpenOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const knownHosts = m.knownHosts ?? "";
  const knownHostsBytes = boundedByteLength(knownHosts, SHORT_STRING_BYTES_MAX, "connection.open-ok known-hosts");
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + knownHostsBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a0029, headroomBytes); // connection.open-ok
  offset = writeShortString(buffer, knownHosts, knownHostsBytes, offset);
  return buffer;
}

function encodeConnectionClose(m: ConnectionCloseInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const replyText = m.replyText ?? "";
  const replyTextBytes = boundedByteLength(replyText, SHORT_STRING_BYTES_MAX, "connection.close reply-text");
  const buffer = Buffer.allocUnsafe(headroomBytes + 11 + replyTextBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a0032, headroomBytes); // connection.close
  offset = buffer.writeUInt16BE(m.replyCode, offset);
  offset = writeShortString(buffer, replyText, replyTextBytes, offset);
  offset = buffer.writeUInt16BE(m.classId, offset);
  offset = buffer.writeUInt16BE(m.methodId, offset);
  return buffer;
}

function encodeConnectionCloseOk(_m: ConnectionCloseOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x000a0033, headroomBytes); // connection.close-ok
  return buffer;
}

function encodeConnectionBlocked(m: ConnectionBlockedInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const reason = m.reason ?? "";
  const reasonBytes = boundedByteLength(reason, SHORT_STRING_BYTES_MAX, "connection.blocked reason");
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + reasonBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a003c, headroomBytes); // connection.blocked
  offset = writeShortString(buffer, reason, reasonBytes, offset);
  return buffer;
}

function encodeConnectionUnblocked(_m: ConnectionUnblockedInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x000a003d, headroomBytes); // connection.unblocked
  return buffer;
}

function encodeConnectionUpdateSecret(m: ConnectionUpdateSecretInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const newSecret = m.newSecret;
  const reason = m.reason;
  const reasonBytes = boundedByteLength(reason, SHORT_STRING_BYTES_MAX, "connection.update-secret reason");
  const buffer = Buffer.allocUnsafe(headroomBytes + 9 + newSecret.length + reasonBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x000a0046, headroomBytes); // connection.update-secret
  offset = writeLongBytes(buffer, newSecret, offset);
  offset = writeShortString(buffer, reason, reasonBytes, offset);
  return buffer;
}

function encodeConnectionUpdateSecretOk(_m: ConnectionUpdateSecretOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x000a0047, headroomBytes); // connection.update-secret-ok
  return buffer;
}

function encodeChannelOpen(m: ChannelOpenInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const outOfBand = m.outOfBand ?? "";
  const outOfBandBytes = boundedByteLength(outOfBand, SHORT_STRING_BYTES_MAX, "channel.open out-of-band");
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + outOfBandBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x0014000a, headroomBytes); // channel.open
  offset = writeShortString(buffer, outOfBand, outOfBandBytes, offset);
  return buffer;
}

function encodeChannelOpenOk(m: ChannelOpenOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const channelId = m.channelId ?? LONG_STRING_EMPTY;
  const buffer = Buffer.allocUnsafe(headroomBytes + 8 + channelId.length + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x0014000b, headroomBytes); // channel.open-ok
  offset = writeLongBytes(buffer, channelId, offset);
  return buffer;
}

function encodeChannelFlow(m: ChannelFlowInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x00140014, headroomBytes); // channel.flow
  buffer[offset++] = (m.active ? 1 : 0);
  return buffer;
}

function encodeChannelFlowOk(m: ChannelFlowOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x00140015, headroomBytes); // channel.flow-ok
  buffer[offset++] = (m.active ? 1 : 0);
  return buffer;
}

function encodeChannelClose(m: ChannelCloseInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const replyText = m.replyText ?? "";
  const replyTextBytes = boundedByteLength(replyText, SHORT_STRING_BYTES_MAX, "channel.close reply-text");
  const buffer = Buffer.allocUnsafe(headroomBytes + 11 + replyTextBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x00140028, headroomBytes); // channel.close
  offset = buffer.writeUInt16BE(m.replyCode, offset);
  offset = writeShortString(buffer, replyText, replyTextBytes, offset);
  offset = buffer.writeUInt16BE(m.classId, offset);
  offset = buffer.writeUInt16BE(m.methodId, offset);
  return buffer;
}

function encodeChannelCloseOk(_m: ChannelCloseOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x00140029, headroomBytes); // channel.close-ok
  return buffer;
}

function encodeAccessRequest(m: AccessRequestInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const realm = m.realm ?? "/data";
  const realmBytes = boundedByteLength(realm, SHORT_STRING_BYTES_MAX, "access.request realm");
  const buffer = Buffer.allocUnsafe(headroomBytes + 6 + realmBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x001e000a, headroomBytes); // access.request
  offset = writeShortString(buffer, realm, realmBytes, offset);
  buffer[offset++] = ((m.exclusive ?? false) ? 1 : 0) | ((m.passive ?? true) ? 2 : 0) | ((m.active ?? true) ? 4 : 0) | ((m.write ?? true) ? 8 : 0) | ((m.read ?? true) ? 16 : 0);
  return buffer;
}

function encodeAccessRequestOk(m: AccessRequestOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 6 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x001e000b, headroomBytes); // access.request-ok
  offset = buffer.writeUInt16BE(m.ticket ?? 1, offset);
  return buffer;
}

function encodeExchangeDeclare(m: ExchangeDeclareInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const exchange = m.exchange;
  const exchangeBytes = boundedByteLength(exchange, SHORT_STRING_BYTES_MAX, "exchange.declare exchange");
  const typeValue = m.type ?? "direct";
  const typeValueBytes = boundedByteLength(typeValue, SHORT_STRING_BYTES_MAX, "exchange.declare type");
  const argumentsValue = m.arguments ?? EMPTY_TABLE;
  const buffer = Buffer.allocUnsafe(headroomBytes + 9 + exchangeBytes + typeValueBytes + encodedTableSizeBytes(argumentsValue) + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x0028000a, headroomBytes); // exchange.declare
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, exchange, exchangeBytes, offset);
  offset = writeShortString(buffer, typeValue, typeValueBytes, offset);
  buffer[offset++] = ((m.passive ?? false) ? 1 : 0) | ((m.durable ?? false) ? 2 : 0) | ((m.autoDelete ?? false) ? 4 : 0) | ((m.internal ?? false) ? 8 : 0) | ((m.nowait ?? false) ? 16 : 0);
  offset = writeTable(argumentsValue, buffer, offset);
  return buffer;
}

function encodeExchangeDeclareOk(_m: ExchangeDeclareOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x0028000b, headroomBytes); // exchange.declare-ok
  return buffer;
}

function encodeExchangeDelete(m: ExchangeDeleteInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const exchange = m.exchange;
  const exchangeBytes = boundedByteLength(exchange, SHORT_STRING_BYTES_MAX, "exchange.delete exchange");
  const buffer = Buffer.allocUnsafe(headroomBytes + 8 + exchangeBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x00280014, headroomBytes); // exchange.delete
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, exchange, exchangeBytes, offset);
  buffer[offset++] = ((m.ifUnused ?? false) ? 1 : 0) | ((m.nowait ?? false) ? 2 : 0);
  return buffer;
}

function encodeExchangeDeleteOk(_m: ExchangeDeleteOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x00280015, headroomBytes); // exchange.delete-ok
  return buffer;
}

function encodeExchangeBind(m: ExchangeBindInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const destination = m.destination;
  const destinationBytes = boundedByteLength(destination, SHORT_STRING_BYTES_MAX, "exchange.bind destination");
  const source = m.source;
  const sourceBytes = boundedByteLength(source, SHORT_STRING_BYTES_MAX, "exchange.bind source");
  const routingKey = m.routingKey ?? "";
  const routingKeyBytes = boundedByteLength(routingKey, SHORT_STRING_BYTES_MAX, "exchange.bind routing-key");
  const argumentsValue = m.arguments ?? EMPTY_TABLE;
  const buffer = Buffer.allocUnsafe(headroomBytes + 10 + destinationBytes + sourceBytes + routingKeyBytes + encodedTableSizeBytes(argumentsValue) + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x0028001e, headroomBytes); // exchange.bind
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, destination, destinationBytes, offset);
  offset = writeShortString(buffer, source, sourceBytes, offset);
  offset = writeShortString(buffer, routingKey, routingKeyBytes, offset);
  buffer[offset++] = ((m.nowait ?? false) ? 1 : 0);
  offset = writeTable(argumentsValue, buffer, offset);
  return buffer;
}

function encodeExchangeBindOk(_m: ExchangeBindOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x0028001f, headroomBytes); // exchange.bind-ok
  return buffer;
}

function encodeExchangeUnbind(m: ExchangeUnbindInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const destination = m.destination;
  const destinationBytes = boundedByteLength(destination, SHORT_STRING_BYTES_MAX, "exchange.unbind destination");
  const source = m.source;
  const sourceBytes = boundedByteLength(source, SHORT_STRING_BYTES_MAX, "exchange.unbind source");
  const routingKey = m.routingKey ?? "";
  const routingKeyBytes = boundedByteLength(routingKey, SHORT_STRING_BYTES_MAX, "exchange.unbind routing-key");
  const argumentsValue = m.arguments ?? EMPTY_TABLE;
  const buffer = Buffer.allocUnsafe(headroomBytes + 10 + destinationBytes + sourceBytes + routingKeyBytes + encodedTableSizeBytes(argumentsValue) + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x00280028, headroomBytes); // exchange.unbind
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, destination, destinationBytes, offset);
  offset = writeShortString(buffer, source, sourceBytes, offset);
  offset = writeShortString(buffer, routingKey, routingKeyBytes, offset);
  buffer[offset++] = ((m.nowait ?? false) ? 1 : 0);
  offset = writeTable(argumentsValue, buffer, offset);
  return buffer;
}

function encodeExchangeUnbindOk(_m: ExchangeUnbindOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x00280033, headroomBytes); // exchange.unbind-ok
  return buffer;
}

function encodeQueueDeclare(m: QueueDeclareInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const queue = m.queue ?? "";
  const queueBytes = boundedByteLength(queue, SHORT_STRING_BYTES_MAX, "queue.declare queue");
  const argumentsValue = m.arguments ?? EMPTY_TABLE;
  const buffer = Buffer.allocUnsafe(headroomBytes + 8 + queueBytes + encodedTableSizeBytes(argumentsValue) + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x0032000a, headroomBytes); // queue.declare
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, queue, queueBytes, offset);
  buffer[offset++] = ((m.passive ?? false) ? 1 : 0) | ((m.durable ?? false) ? 2 : 0) | ((m.exclusive ?? false) ? 4 : 0) | ((m.autoDelete ?? false) ? 8 : 0) | ((m.nowait ?? false) ? 16 : 0);
  offset = writeTable(argumentsValue, buffer, offset);
  return buffer;
}

function encodeQueueDeclareOk(m: QueueDeclareOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const queue = m.queue;
  const queueBytes = boundedByteLength(queue, SHORT_STRING_BYTES_MAX, "queue.declare-ok queue");
  const buffer = Buffer.allocUnsafe(headroomBytes + 13 + queueBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x0032000b, headroomBytes); // queue.declare-ok
  offset = writeShortString(buffer, queue, queueBytes, offset);
  offset = buffer.writeUInt32BE(m.messageCount, offset);
  offset = buffer.writeUInt32BE(m.consumerCount, offset);
  return buffer;
}

function encodeQueueBind(m: QueueBindInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const queue = m.queue ?? "";
  const queueBytes = boundedByteLength(queue, SHORT_STRING_BYTES_MAX, "queue.bind queue");
  const exchange = m.exchange;
  const exchangeBytes = boundedByteLength(exchange, SHORT_STRING_BYTES_MAX, "queue.bind exchange");
  const routingKey = m.routingKey ?? "";
  const routingKeyBytes = boundedByteLength(routingKey, SHORT_STRING_BYTES_MAX, "queue.bind routing-key");
  const argumentsValue = m.arguments ?? EMPTY_TABLE;
  const buffer = Buffer.allocUnsafe(headroomBytes + 10 + queueBytes + exchangeBytes + routingKeyBytes + encodedTableSizeBytes(argumentsValue) + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x00320014, headroomBytes); // queue.bind
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, queue, queueBytes, offset);
  offset = writeShortString(buffer, exchange, exchangeBytes, offset);
  offset = writeShortString(buffer, routingKey, routingKeyBytes, offset);
  buffer[offset++] = ((m.nowait ?? false) ? 1 : 0);
  offset = writeTable(argumentsValue, buffer, offset);
  return buffer;
}

function encodeQueueBindOk(_m: QueueBindOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x00320015, headroomBytes); // queue.bind-ok
  return buffer;
}

function encodeQueuePurge(m: QueuePurgeInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const queue = m.queue ?? "";
  const queueBytes = boundedByteLength(queue, SHORT_STRING_BYTES_MAX, "queue.purge queue");
  const buffer = Buffer.allocUnsafe(headroomBytes + 8 + queueBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x0032001e, headroomBytes); // queue.purge
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, queue, queueBytes, offset);
  buffer[offset++] = ((m.nowait ?? false) ? 1 : 0);
  return buffer;
}

function encodeQueuePurgeOk(m: QueuePurgeOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 8 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x0032001f, headroomBytes); // queue.purge-ok
  offset = buffer.writeUInt32BE(m.messageCount, offset);
  return buffer;
}

function encodeQueueDelete(m: QueueDeleteInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const queue = m.queue ?? "";
  const queueBytes = boundedByteLength(queue, SHORT_STRING_BYTES_MAX, "queue.delete queue");
  const buffer = Buffer.allocUnsafe(headroomBytes + 8 + queueBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x00320028, headroomBytes); // queue.delete
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, queue, queueBytes, offset);
  buffer[offset++] = ((m.ifUnused ?? false) ? 1 : 0) | ((m.ifEmpty ?? false) ? 2 : 0) | ((m.nowait ?? false) ? 4 : 0);
  return buffer;
}

function encodeQueueDeleteOk(m: QueueDeleteOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 8 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x00320029, headroomBytes); // queue.delete-ok
  offset = buffer.writeUInt32BE(m.messageCount, offset);
  return buffer;
}

function encodeQueueUnbind(m: QueueUnbindInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const queue = m.queue ?? "";
  const queueBytes = boundedByteLength(queue, SHORT_STRING_BYTES_MAX, "queue.unbind queue");
  const exchange = m.exchange;
  const exchangeBytes = boundedByteLength(exchange, SHORT_STRING_BYTES_MAX, "queue.unbind exchange");
  const routingKey = m.routingKey ?? "";
  const routingKeyBytes = boundedByteLength(routingKey, SHORT_STRING_BYTES_MAX, "queue.unbind routing-key");
  const argumentsValue = m.arguments ?? EMPTY_TABLE;
  const buffer = Buffer.allocUnsafe(headroomBytes + 9 + queueBytes + exchangeBytes + routingKeyBytes + encodedTableSizeBytes(argumentsValue) + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x00320032, headroomBytes); // queue.unbind
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, queue, queueBytes, offset);
  offset = writeShortString(buffer, exchange, exchangeBytes, offset);
  offset = writeShortString(buffer, routingKey, routingKeyBytes, offset);
  offset = writeTable(argumentsValue, buffer, offset);
  return buffer;
}

function encodeQueueUnbindOk(_m: QueueUnbindOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x00320033, headroomBytes); // queue.unbind-ok
  return buffer;
}

function encodeBasicQos(m: BasicQosInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 11 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c000a, headroomBytes); // basic.qos
  offset = buffer.writeUInt32BE(m.prefetchSize ?? 0, offset);
  offset = buffer.writeUInt16BE(m.prefetchCount ?? 0, offset);
  buffer[offset++] = ((m.global ?? false) ? 1 : 0);
  return buffer;
}

function encodeBasicQosOk(_m: BasicQosOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x003c000b, headroomBytes); // basic.qos-ok
  return buffer;
}

function encodeBasicConsume(m: BasicConsumeInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const queue = m.queue ?? "";
  const queueBytes = boundedByteLength(queue, SHORT_STRING_BYTES_MAX, "basic.consume queue");
  const consumerTag = m.consumerTag ?? "";
  const consumerTagBytes = boundedByteLength(consumerTag, SHORT_STRING_BYTES_MAX, "basic.consume consumer-tag");
  const argumentsValue = m.arguments ?? EMPTY_TABLE;
  const buffer = Buffer.allocUnsafe(headroomBytes + 9 + queueBytes + consumerTagBytes + encodedTableSizeBytes(argumentsValue) + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c0014, headroomBytes); // basic.consume
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, queue, queueBytes, offset);
  offset = writeShortString(buffer, consumerTag, consumerTagBytes, offset);
  buffer[offset++] = ((m.noLocal ?? false) ? 1 : 0) | ((m.noAck ?? false) ? 2 : 0) | ((m.exclusive ?? false) ? 4 : 0) | ((m.nowait ?? false) ? 8 : 0);
  offset = writeTable(argumentsValue, buffer, offset);
  return buffer;
}

function encodeBasicConsumeOk(m: BasicConsumeOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const consumerTag = m.consumerTag;
  const consumerTagBytes = boundedByteLength(consumerTag, SHORT_STRING_BYTES_MAX, "basic.consume-ok consumer-tag");
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + consumerTagBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c0015, headroomBytes); // basic.consume-ok
  offset = writeShortString(buffer, consumerTag, consumerTagBytes, offset);
  return buffer;
}

function encodeBasicCancel(m: BasicCancelInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const consumerTag = m.consumerTag;
  const consumerTagBytes = boundedByteLength(consumerTag, SHORT_STRING_BYTES_MAX, "basic.cancel consumer-tag");
  const buffer = Buffer.allocUnsafe(headroomBytes + 6 + consumerTagBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c001e, headroomBytes); // basic.cancel
  offset = writeShortString(buffer, consumerTag, consumerTagBytes, offset);
  buffer[offset++] = ((m.nowait ?? false) ? 1 : 0);
  return buffer;
}

function encodeBasicCancelOk(m: BasicCancelOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const consumerTag = m.consumerTag;
  const consumerTagBytes = boundedByteLength(consumerTag, SHORT_STRING_BYTES_MAX, "basic.cancel-ok consumer-tag");
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + consumerTagBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c001f, headroomBytes); // basic.cancel-ok
  offset = writeShortString(buffer, consumerTag, consumerTagBytes, offset);
  return buffer;
}

function encodeBasicPublish(m: BasicPublishInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const exchange = m.exchange ?? "";
  const exchangeBytes = boundedByteLength(exchange, SHORT_STRING_BYTES_MAX, "basic.publish exchange");
  const routingKey = m.routingKey ?? "";
  const routingKeyBytes = boundedByteLength(routingKey, SHORT_STRING_BYTES_MAX, "basic.publish routing-key");
  const buffer = Buffer.allocUnsafe(headroomBytes + 9 + exchangeBytes + routingKeyBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c0028, headroomBytes); // basic.publish
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, exchange, exchangeBytes, offset);
  offset = writeShortString(buffer, routingKey, routingKeyBytes, offset);
  buffer[offset++] = ((m.mandatory ?? false) ? 1 : 0) | ((m.immediate ?? false) ? 2 : 0);
  return buffer;
}

function encodeBasicReturn(m: BasicReturnInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const replyText = m.replyText ?? "";
  const replyTextBytes = boundedByteLength(replyText, SHORT_STRING_BYTES_MAX, "basic.return reply-text");
  const exchange = m.exchange;
  const exchangeBytes = boundedByteLength(exchange, SHORT_STRING_BYTES_MAX, "basic.return exchange");
  const routingKey = m.routingKey;
  const routingKeyBytes = boundedByteLength(routingKey, SHORT_STRING_BYTES_MAX, "basic.return routing-key");
  const buffer = Buffer.allocUnsafe(headroomBytes + 9 + replyTextBytes + exchangeBytes + routingKeyBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c0032, headroomBytes); // basic.return
  offset = buffer.writeUInt16BE(m.replyCode, offset);
  offset = writeShortString(buffer, replyText, replyTextBytes, offset);
  offset = writeShortString(buffer, exchange, exchangeBytes, offset);
  offset = writeShortString(buffer, routingKey, routingKeyBytes, offset);
  return buffer;
}

function encodeBasicDeliver(m: BasicDeliverInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const consumerTag = m.consumerTag;
  const consumerTagBytes = boundedByteLength(consumerTag, SHORT_STRING_BYTES_MAX, "basic.deliver consumer-tag");
  const exchange = m.exchange;
  const exchangeBytes = boundedByteLength(exchange, SHORT_STRING_BYTES_MAX, "basic.deliver exchange");
  const routingKey = m.routingKey;
  const routingKeyBytes = boundedByteLength(routingKey, SHORT_STRING_BYTES_MAX, "basic.deliver routing-key");
  const buffer = Buffer.allocUnsafe(headroomBytes + 16 + consumerTagBytes + exchangeBytes + routingKeyBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c003c, headroomBytes); // basic.deliver
  offset = writeShortString(buffer, consumerTag, consumerTagBytes, offset);
  offset = writeUint64Number(buffer, m.deliveryTag, offset);
  buffer[offset++] = ((m.redelivered ?? false) ? 1 : 0);
  offset = writeShortString(buffer, exchange, exchangeBytes, offset);
  offset = writeShortString(buffer, routingKey, routingKeyBytes, offset);
  return buffer;
}

function encodeBasicGet(m: BasicGetInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const queue = m.queue ?? "";
  const queueBytes = boundedByteLength(queue, SHORT_STRING_BYTES_MAX, "basic.get queue");
  const buffer = Buffer.allocUnsafe(headroomBytes + 8 + queueBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c0046, headroomBytes); // basic.get
  offset = buffer.writeUInt16BE(m.ticket ?? 0, offset);
  offset = writeShortString(buffer, queue, queueBytes, offset);
  buffer[offset++] = ((m.noAck ?? false) ? 1 : 0);
  return buffer;
}

function encodeBasicGetOk(m: BasicGetOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const exchange = m.exchange;
  const exchangeBytes = boundedByteLength(exchange, SHORT_STRING_BYTES_MAX, "basic.get-ok exchange");
  const routingKey = m.routingKey;
  const routingKeyBytes = boundedByteLength(routingKey, SHORT_STRING_BYTES_MAX, "basic.get-ok routing-key");
  const buffer = Buffer.allocUnsafe(headroomBytes + 19 + exchangeBytes + routingKeyBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c0047, headroomBytes); // basic.get-ok
  offset = writeUint64Number(buffer, m.deliveryTag, offset);
  buffer[offset++] = ((m.redelivered ?? false) ? 1 : 0);
  offset = writeShortString(buffer, exchange, exchangeBytes, offset);
  offset = writeShortString(buffer, routingKey, routingKeyBytes, offset);
  offset = buffer.writeUInt32BE(m.messageCount, offset);
  return buffer;
}

function encodeBasicGetEmpty(m: BasicGetEmptyInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const clusterId = m.clusterId ?? "";
  const clusterIdBytes = boundedByteLength(clusterId, SHORT_STRING_BYTES_MAX, "basic.get-empty cluster-id");
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + clusterIdBytes + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c0048, headroomBytes); // basic.get-empty
  offset = writeShortString(buffer, clusterId, clusterIdBytes, offset);
  return buffer;
}

function encodeBasicAck(m: BasicAckInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 13 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c0050, headroomBytes); // basic.ack
  offset = writeUint64Number(buffer, m.deliveryTag ?? 0, offset);
  buffer[offset++] = ((m.multiple ?? false) ? 1 : 0);
  return buffer;
}

function encodeBasicReject(m: BasicRejectInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 13 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c005a, headroomBytes); // basic.reject
  offset = writeUint64Number(buffer, m.deliveryTag, offset);
  buffer[offset++] = ((m.requeue ?? true) ? 1 : 0);
  return buffer;
}

function encodeBasicRecoverAsync(m: BasicRecoverAsyncInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c0064, headroomBytes); // basic.recover-async
  buffer[offset++] = ((m.requeue ?? false) ? 1 : 0);
  return buffer;
}

function encodeBasicRecover(m: BasicRecoverInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c006e, headroomBytes); // basic.recover
  buffer[offset++] = ((m.requeue ?? false) ? 1 : 0);
  return buffer;
}

function encodeBasicRecoverOk(_m: BasicRecoverOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x003c006f, headroomBytes); // basic.recover-ok
  return buffer;
}

function encodeBasicNack(m: BasicNackInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 13 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x003c0078, headroomBytes); // basic.nack
  offset = writeUint64Number(buffer, m.deliveryTag ?? 0, offset);
  buffer[offset++] = ((m.multiple ?? false) ? 1 : 0) | ((m.requeue ?? true) ? 2 : 0);
  return buffer;
}

function encodeTxSelect(_m: TxSelectInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x005a000a, headroomBytes); // tx.select
  return buffer;
}

function encodeTxSelectOk(_m: TxSelectOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x005a000b, headroomBytes); // tx.select-ok
  return buffer;
}

function encodeTxCommit(_m: TxCommitInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x005a0014, headroomBytes); // tx.commit
  return buffer;
}

function encodeTxCommitOk(_m: TxCommitOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x005a0015, headroomBytes); // tx.commit-ok
  return buffer;
}

function encodeTxRollback(_m: TxRollbackInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x005a001e, headroomBytes); // tx.rollback
  return buffer;
}

function encodeTxRollbackOk(_m: TxRollbackOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x005a001f, headroomBytes); // tx.rollback-ok
  return buffer;
}

function encodeConfirmSelect(m: ConfirmSelectInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 5 + tailroomBytes);
  let offset = buffer.writeUInt32BE(0x0055000a, headroomBytes); // confirm.select
  buffer[offset++] = ((m.nowait ?? false) ? 1 : 0);
  return buffer;
}

function encodeConfirmSelectOk(_m: ConfirmSelectOkInit, headroomBytes: number, tailroomBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(headroomBytes + 4 + tailroomBytes);
  buffer.writeUInt32BE(0x0055000b, headroomBytes); // confirm.select-ok
  return buffer;
}
