/**
 * SASL mechanisms offered in connection.start: PLAIN (RFC 4616) and RabbitMQ's AMQPLAIN.
 * Both yield a username and password checked against the user store.
 */
import { decodeTable, fieldToJs } from "../../message/field-table.js";

export const MECHANISMS = "PLAIN AMQPLAIN";

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Returns the credentials, or undefined if the response is malformed or the mechanism unknown. */
export function parseSaslResponse(mechanism: string, response: Buffer): Credentials | undefined {
  if (mechanism === "PLAIN") {
    // authzid NUL authcid NUL passwd
    const first = response.indexOf(0);
    const second = first < 0 ? -1 : response.indexOf(0, first + 1);
    if (second < 0) return undefined;
    return { username: response.subarray(first + 1, second).toString("utf8"), password: response.subarray(second + 1).toString("utf8") };
  }
  if (mechanism === "AMQPLAIN") {
    // A field table's contents without its length prefix: LOGIN and PASSWORD.
    const prefixed = Buffer.allocUnsafe(4 + response.length);
    prefixed.writeUInt32BE(response.length, 0);
    response.copy(prefixed, 4);
    try {
      const { table } = decodeTable(prefixed, 0);
      const login = table.get("LOGIN");
      const password = table.get("PASSWORD");
      if (login === undefined || password === undefined) return undefined;
      return { username: String(fieldToJs(login)), password: String(fieldToJs(password)) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
