export { RawNode, type Ready, type Status } from "./raw-node.js";
export { MemoryStorage, type LogStorage } from "./storage.js";
export type { MembershipChange } from "./membership.js";
export type { PlantedFaults, RaftOptions } from "./options.js";
export * from "./types.js";
