/**
 * A channel's display name, `<connection name> (<channel number>)`, as RabbitMQ shows it. The
 * management API and warrenctl both list channels by it, so it lives here, below both.
 */
import type { ChannelInfo, ConnectionInfo } from "./broker.js";

export function channelName(connection: ConnectionInfo, channel: ChannelInfo): string {
  return `${connection.name} (${channel.number})`;
}
