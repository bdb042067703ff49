/** Policies are metadata (src/metadata/policies.ts); this name stays for the code that imported it here. */
export * from "../metadata/policies.js";
