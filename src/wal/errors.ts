/**
 * Errors a record log raises. BrokerErrors of kind INTERNAL_ERROR (541), as the store's are, so
 * one that reaches a client closes it with the right code; the log's owner is expected to catch
 * them first (a failed log rejects its waiters, and the owner decides whether to start a new file).
 */
import { BrokerError, Errors } from "../errors/registry.js";

export type LogErrorCode =
  /** A write, fsync or rename failed: every record not yet durable was rejected and no append is accepted. */
  | "LOG_FAILED"
  /** The log was closed. */
  | "LOG_CLOSED"
  /** The file is not a record log of the expected kind, or a record that must be there does not check. */
  | "LOG_CORRUPT";

export class LogError extends BrokerError {
  readonly code: LogErrorCode;
  /** The errno code of the underlying failure (`ENOSPC`, `EIO`, ...), when there is one. */
  readonly systemCode: string | undefined;

  constructor(code: LogErrorCode, detail: string, cause?: unknown) {
    const causeText = cause instanceof Error ? `: ${cause.message}` : "";
    super(Errors.INTERNAL_ERROR, `${code}: ${detail}${causeText}`);
    this.name = "LogError";
    this.code = code;
    this.cause = cause;
    this.systemCode = cause instanceof LogError ? cause.systemCode : systemCodeOf(cause);
  }
}

function systemCodeOf(cause: unknown): string | undefined {
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") return cause.code;
  return undefined;
}
