/**
 * Warren as the benchmark's broker process: AMQP on a free port, MQTT on the given one.
 * Prints "ready" once listening and runs until killed.
 *
 *   node --import tsx benchmarks/mqtt/warren-server.ts MQTT_PORT
 */
import { startBroker } from "../../src/index.js";
import { listenMqtt } from "../../src/protocol/mqtt/listener.js";

const running = await startBroker({ host: "127.0.0.1", port: 0 });
await listenMqtt(running.broker, "127.0.0.1", Number(process.argv[2]));
console.log("ready");
