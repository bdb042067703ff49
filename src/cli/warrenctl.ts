/**
 * `warrenctl`: rabbitmqctl's verbs for Warren (see commands/run.ts). This file is the
 * program's entry point and only runs it, so bin/warrenctl.js can import it as it is.
 */
import { runWarrenctl } from "./commands/run.js";

const code = await runWarrenctl(process.argv.slice(2), { out: (text) => process.stdout.write(text + "\n"), error: (text) => process.stderr.write(text + "\n") });
process.exitCode = code;
