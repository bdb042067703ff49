/**
 * Opens idle amqplib connections, a channel each, in a process of its own so that their memory
 * is not counted as the broker's: the parent sends {open: n} and gets {open: total} once they
 * are all open; it ends the process to close them.
 */
import amqp from "amqplib";
import type { ChannelModel } from "amqplib";

const url = process.argv[2] as string;
const connections: ChannelModel[] = [];
process.on("message", async (message: { open: number }) => {
  for (let opened = 0; opened < message.open; opened += 25) {
    await Promise.all(Array.from({ length: Math.min(25, message.open - opened) }, async () => {
      const connection = await amqp.connect(url);
      connection.on("error", () => undefined);
      connections.push(connection);
      await connection.createChannel();
    }));
  }
  process.send!({ open: connections.length });
});
process.send!({ ready: true });
