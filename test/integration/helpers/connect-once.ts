/**
 * Connects once with amqplib and prints the outcome as JSON: {"connected":true} or
 * {"connected":false,"error":"..."}. Run inside a network namespace by the loopback test.
 */
import amqp from "amqplib";

const url = process.argv[2] as string;
try {
  const connection = await amqp.connect(url);
  await connection.close();
  console.log(JSON.stringify({ connected: true }));
} catch (error) {
  console.log(JSON.stringify({ connected: false, error: String((error as Error).message) }));
}
