/**
 * A small client for the management API in tests: one call with basic credentials, the
 * status and the parsed body (or the text, when the body is not JSON). Raw paths are sent
 * as written, so a test can send percent-encoded or odd paths the way an attacker would.
 */
export interface ApiAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

export function managementClient(port: number, host = "127.0.0.1") {
  const origin = `http://${host}:${port}`;
  return async function call(method: string, path: string, body?: unknown, credentials: string | null = "guest:guest"): Promise<ApiAnswer> {
    const headers: Record<string, string> = {};
    if (credentials !== null) headers.authorization = "Basic " + Buffer.from(credentials).toString("base64");
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(origin + path, {
      method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body), signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Not JSON (the UI's HTML, or a plain-text answer): the text is the body.
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
}
