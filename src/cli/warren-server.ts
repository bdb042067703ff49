/**
 * `warren-server`: starts a node with the configuration from the environment
 * (WARREN_* or RABBITMQ_* variables), logs where it listens, and shuts down
 * cleanly on SIGTERM or SIGINT.
 */
import { applyEnvironment, defaultConfig, ConfigError } from "../config/config.js";
import { startBroker } from "../index.js";

async function main(): Promise<void> {
  let config;
  try {
    config = applyEnvironment(defaultConfig(), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`warren-server: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const running = await startBroker({ ...config, useEnvironment: false }).catch((error: NodeJS.ErrnoException) => {
    process.stderr.write(`warren-server: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}\n`);
    process.exit(1);
  });
  const stop = (signal: string) => {
    running.broker.logger.info(`${signal} received, stopping`);
    void running.stop().then(() => {
      running.broker.logger.flush?.();
      process.exit(0);
    });
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

void main();
