/**
 * Control-port methods that list and act on runtime objects (queues, exchanges, bindings,
 * connections, channels, consumers), with rabbitmqctl's column names for the rows. Rows
 * carry every column; warrenctl picks the ones asked for.
 */
import type { WarrenNode } from "./node.js";
import type { MethodTable } from "./control-server.js";
import { effectivePolicy, applyDefinitionCommand } from "../broker/definitions.js";
import { tableToJs } from "../message/field-table.js";
import { channelName } from "../broker/channel-name.js";
import { text } from "./rpc-definitions.js";

type Params = Record<string, unknown>;

export function listMethods(node: WarrenNode): MethodTable {
  const vhostOf = (params: Params) => {
    const name = text(params, "vhost", "/");
    const vhost = node.broker.vhosts.get(name);
    if (vhost === undefined) throw new Error(`virtual host '${name}' does not exist`);
    return vhost;
  };
  const connections = () => [...node.broker.connections].map((connection) => ({ connection, info: connection.info() }));
  /**
   * A connection's pid as rabbitmqctl prints it (`<rabbit@vm.1796694563.19480.0>`: node, node
   * start, number), so scripts that pass `list_connections pid` to `close_connection` work.
   */
  const connectionPid = (id: number) => `<${node.context.nodeName}.${Math.floor(node.startedAtMs / 1000)}.${id}.0>`;
  return {
    list_queues: (params) =>
      [...vhostOf(params).queues.values()].map((queue) => {
        const effective = effectivePolicy(node.broker, queue.vhost, "queue", queue.name, queue.typeName);
        return {
          name: queue.name, vhost: queue.vhost, durable: queue.durable, auto_delete: queue.autoDelete, exclusive: queue.exclusiveOwner !== undefined,
          arguments: tableToJs(queue.arguments), policy: effective.policy?.name ?? "", operator_policy: effective.operatorPolicy?.name ?? "",
          effective_policy_definition: effective.definition, messages: queue.readyCount + queue.unackedCount, messages_ready: queue.readyCount,
          messages_unacknowledged: queue.unackedCount, consumers: queue.consumerCount, type: queue.typeName, state: "running",
        };
      }),
    list_exchanges: (params) => {
      const vhost = vhostOf(params);
      return [...vhost.exchanges.values()].map((exchange) => ({
        name: exchange.name, vhost: vhost.name, type: exchange.typeName, durable: exchange.durable, auto_delete: exchange.autoDelete,
        internal: exchange.internal, arguments: tableToJs(exchange.arguments), policy: effectivePolicy(node.broker, vhost.name, "exchange", exchange.name).policy?.name ?? "",
      }));
    },
    list_bindings: (params) => {
      const vhost = vhostOf(params);
      return [...vhost.bindings()].map((binding) => ({
        source_name: binding.source, source_kind: "exchange", destination_name: binding.destination.name, destination_kind: binding.destination.kind,
        routing_key: binding.routingKey, arguments: tableToJs(binding.arguments), vhost: vhost.name,
      }));
    },
    list_connections: () =>
      connections().map(({ connection, info }) => ({
        name: info.name, pid: connectionPid(connection.id), user: info.user ?? "", vhost: info.vhost ?? "", peer_host: info.peerHost, peer_port: info.peerPort, host: info.host, port: info.port,
        state: info.state, channels: info.channels.length, protocol: info.protocol, recv_oct: info.receivedBytes, send_oct: info.sentBytes,
        connected_at: info.connectedAtMs, timeout: info.heartbeatSeconds, frame_max: info.frameMaxBytes, channel_max: info.channelMax, client_properties: info.clientProperties,
      })),
    list_channels: () =>
      connections().flatMap(({ info }) =>
        info.channels.map((channel) => ({
          pid: channelName(info, channel), name: channelName(info, channel), connection: info.name, number: channel.number, user: info.user ?? "", vhost: info.vhost ?? "",
          consumer_count: channel.consumerCount, messages_unacknowledged: channel.unackedCount, prefetch_count: channel.prefetchCount,
          global_prefetch_count: channel.globalPrefetchCount, confirm: channel.confirm, transactional: channel.transactional,
        }))),
    list_consumers: (params) => {
      const vhost = vhostOf(params).name;
      return connections()
        .filter(({ info }) => info.vhost === vhost)
        .flatMap(({ info }) =>
          info.channels.flatMap((channel) =>
            channel.consumers.map((consumer) => ({
              queue_name: consumer.queue, channel_pid: channelName(info, channel), consumer_tag: consumer.tag, ack_required: !consumer.noAck,
              prefetch_count: consumer.prefetchCount, active: true, activity_status: "up", exclusive: consumer.exclusive,
              arguments: consumer.priority !== 0 ? { "x-priority": consumer.priority } : {}, vhost,
            }))));
    },
    purge_queue: (params) => {
      const vhost = vhostOf(params);
      const queue = vhost.queues.get(text(params, "name"));
      if (queue === undefined) throw new Error(`queue '${text(params, "name")}' in vhost '${vhost.name}' not found`);
      return { purged: queue.purge() };
    },
    delete_queue: (params) => {
      const vhost = vhostOf(params);
      const queue = vhost.queues.get(text(params, "name"));
      if (queue === undefined) throw new Error(`queue '${text(params, "name")}' in vhost '${vhost.name}' not found`);
      const messages = queue.readyCount;
      applyDefinitionCommand(node.broker, { type: "queue.delete", vhost: vhost.name, name: queue.name, ifUnused: params.if_unused === true, ifEmpty: params.if_empty === true });
      return { deleted: messages };
    },
    // rabbitmqctl takes the pid from `list_connections pid`; Warren takes that or the connection's name.
    close_connection: (params) => {
      const name = text(params, "name");
      const found = connections().find(({ connection, info }) => info.name === name || connectionPid(connection.id) === name);
      if (found === undefined) throw new Error(`connection '${name}' not found`);
      const reason = text(params, "reason", "Closed via warrenctl");
      const closable = found.connection as { closeByOperator?: (reason: string) => void };
      if (closable.closeByOperator !== undefined) closable.closeByOperator(reason);
      else found.connection.shutdown(reason);
    },
  };
}
