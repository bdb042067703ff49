/**
 * `warren-server`: starts a node from warren.conf and the environment (WARREN_* or
 * RABBITMQ_* variables), logs where it listens, and shuts down cleanly on SIGTERM.
 * `-detached` runs it in the background with a pid file, as rabbitmq-server does.
 */
import { runServer } from "../node/server-main.js";

void runServer(process.argv.slice(2));
