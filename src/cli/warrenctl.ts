/**
 * `warrenctl`: rabbitmqctl's verbs for Warren. The node link it needs (port 25672,
 * cookie authentication) comes with the operations issue; for now it prints its usage.
 */
const USAGE = `Usage: warrenctl [-n <node>] <command> [<args>]

Commands (rabbitmqctl's names): status, cluster_status, stop, stop_app, start_app, reset,
add_user, delete_user, list_users, set_permissions, list_queues, ...

warrenctl cannot reach a node yet: the node link (port 25672) is not built.`;

const args = process.argv.slice(2);
if (args.length === 0 || args.includes("--help") || args.includes("-h") || args[0] === "help") {
  process.stdout.write(USAGE + "\n");
  process.exit(0);
}
process.stderr.write(`warrenctl: '${args[0]}' is not available yet\n\n${USAGE}\n`);
process.exit(64);
