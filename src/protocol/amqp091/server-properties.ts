/**
 * The server-properties table of connection.start, with RabbitMQ's capabilities so
 * clients turn on the extensions they know (confirms, nacks, blocked notifications...).
 */
import { tableFromJs, type FieldTable } from "../../broker/message/field-table.js";
import { WARREN_VERSION } from "../../version.js";

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
