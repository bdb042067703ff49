/**
 * The message container (DESIGN.md §3). A message is kept as it arrived: the
 * exchange and routing key it was published with, the AMQP content header
 * payload exactly as encoded, and the body. Properties are decoded only when
 * something needs them (TTL, priority, headers routing, dead-lettering), and
 * once. Delivering over AMQP writes the stored header bytes unchanged.
 */
import {
  decodeContentHeader,
  contentHeaderDeliveryMode,
  type BasicProperties,
} from "./properties.generated.js";
import type { FieldTable } from "./field-table.js";

export class Message {
  readonly exchange: string;
  readonly routingKey: string;
  /** Content header frame payload: class-id, weight, body-size, property flags, properties. */
  readonly header: Buffer;
  readonly body: Buffer;
  /**
   * RabbitMQ's sender-selected distribution: routing keys from the CC and BCC headers, routed
   * to as well as the routing key. Undefined for nearly every message.
   */
  extraRoutingKeys: readonly string[] | undefined = undefined;
  private decodedProperties: BasicProperties | undefined;
  /** UTF-8 lengths of exchange and routing key, computed once however many queues deliver it. */
  private exchangeLength = -1;
  private routingKeyLength = -1;

  constructor(exchange: string, routingKey: string, header: Buffer, body: Buffer) {
    this.exchange = exchange;
    this.routingKey = routingKey;
    this.header = header;
    this.body = body;
  }

  get exchangeBytes(): number {
    if (this.exchangeLength < 0) this.exchangeLength = Buffer.byteLength(this.exchange);
    return this.exchangeLength;
  }

  get routingKeyBytes(): number {
    if (this.routingKeyLength < 0) this.routingKeyLength = Buffer.byteLength(this.routingKey);
    return this.routingKeyLength;
  }

  get bodySizeBytes(): number {
    return this.body.length;
  }

  /** What the message costs in memory, roughly: used for queue byte limits and memory accounting. */
  get sizeBytes(): number {
    return this.body.length + this.header.length;
  }

  /** delivery-mode 2 marks a message persistent. Read straight from the header bytes. */
  get persistent(): boolean {
    return contentHeaderDeliveryMode(this.header) === 2;
  }

  properties(): BasicProperties {
    if (this.decodedProperties === undefined) this.decodedProperties = decodeContentHeader(this.header).properties;
    return this.decodedProperties;
  }

  headers(): FieldTable | undefined {
    return this.properties().headers;
  }
}
