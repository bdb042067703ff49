/**
 * The server-properties table of connection.start, with RabbitMQ's capabilities so
 * clients turn on the extensions they know (confirms, nacks, blocked notifications...).
 */
import { tableFromJs, type FieldTable } from "../../message/field-table.js";
import { WARREN_VERSION } from "../../version.js";
import { methodFrame } from "./frame-writer.js";
import { MECHANISMS } from "./sasl.js";

/** The last connection.start frame made, and the cluster name it names. */
let startFrame: { clusterName: string; frame: Buffer } | undefined;

/**
 * connection.start (channel 0), made once and sent to every connection: it is the same for all
 * of a node's connections, and encoding the table each time was a fifth of what opening a
 * connection allocated. The caller copies it out and never changes it.
 */
export function connectionStartFrame(clusterName: string): Buffer {
  if (startFrame === undefined || startFrame.clusterName !== clusterName) {
    const frame = methodFrame(0, {
      method: "connection.start",
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: serverProperties(clusterName),
      mechanisms: Buffer.from(MECHANISMS),
      locales: Buffer.from("en_US"),
    });
    startFrame = { clusterName, frame };
  }
  return startFrame.frame;
}

export function serverProperties(clusterName: string): FieldTable {
  return tableFromJs({
    capabilities: {
      publisher_confirms: true,
      exchange_exchange_bindings: true,
      "basic.nack": true,
      consumer_cancel_notify: true,
      "connection.blocked": true,
      consumer_priorities: true,
      authentication_failure_close: true,
      per_consumer_qos: true,
      direct_reply_to: true,
    },
    cluster_name: clusterName,
    copyright: "Copyright (c) the Warren authors",
    information: "Licensed under the MIT License. A RabbitMQ-compatible broker.",
    platform: `Node.js ${process.version}`,
    product: "Warren",
    version: WARREN_VERSION,
  });
}
