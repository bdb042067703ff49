/**
 * Errors the store raises. They are BrokerErrors of kind INTERNAL_ERROR (541) so that, if one
 * ever reaches a client, it gets the right close code; the queue is expected to catch them first
 * (a failed append nacks the publish, a failed store is reopened by recovery).
 */
import { BrokerError, Errors } from "../errors/registry.js";

export type StoreErrorCode =
  /** A write or file creation failed; nothing of the record is left in the segment. `cause` holds the errno error. */
  | "STORE_WRITE_FAILED"
  /** An fsync failed (or the store could not otherwise make data durable): no later append is accepted. */
  | "STORE_FAILED"
  /** The store was closed or deleted. */
  | "STORE_CLOSED"
  /** A record read back does not match its checksum or position, or a segment header is unknown. */
  | "STORE_CORRUPT"
  /** The position names no live record of this store (its segment was deleted, or it was never a record). */
  | "STORE_POSITION_UNKNOWN"
  /** The position was already acked: a bug in the caller, reported before it can delete live data. */
  | "STORE_ALREADY_ACKED";

export class StoreError extends BrokerError {
  readonly code: StoreErrorCode;
  /** The errno code of the underlying failure (`ENOSPC`, `EIO`, ...), when there is one. */
  readonly systemCode: string | undefined;

  constructor(code: StoreErrorCode, detail: string, cause?: unknown) {
    super(Errors.INTERNAL_ERROR, `${code}: ${detail}`);
    this.name = "StoreError";
    this.code = code;
    this.cause = cause;
    this.systemCode = systemCodeOf(cause);
  }
}

function systemCodeOf(cause: unknown): string | undefined {
  if (cause instanceof StoreError) return cause.systemCode;
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string") return cause.code;
  return undefined;
}
