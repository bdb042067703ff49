/**
 * warren-perf: a load generator for AMQP 0-9-1 brokers in the manner of RabbitMQ's PerfTest.
 *   node --import tsx benchmarks/perf/warren-perf.ts --uri amqp://guest:guest@127.0.0.1:5672/ \
 *     --producers 1 --consumers 1 --size 100 --prefetch 1000 --multi-ack-every 100 --duration 10
 * Exits 1 when a role failed (the report still prints), 2 on bad options.
 */
import { parsePerfOptions, USAGE } from "./options.js";
import { formatReport } from "./report.js";
import { runPerf } from "./run.js";

async function main(): Promise<number> {
  let options;
  try {
    options = parsePerfOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`warren-perf: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const report = await runPerf(options);
  console.log(options.json ? JSON.stringify(report) : formatReport(report));
  return report.errors.length > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (error: Error) => {
  console.error(`warren-perf: ${error.message}`);
  process.exit(1);
});
