/**
 * The durable message store: one MessageStore per durable queue, one Committer per node.
 * See docs/internals/store.md.
 */
export { MessageStore, flushPendingWrites, type MessageStoreOptions, type AppendResult } from "./message-store.js";
export { Committer, type CommitterOptions } from "./committer.js";
export { type SegmentPosition, comparePositions, formatPosition } from "./position.js";
export { StoreError, type StoreErrorCode } from "./errors.js";
