/**
 * The files the MQTT logs (retained messages, inbound QoS 2 ids) write through, when the caller
 * does not hand its own. The one place in protocol/ that takes io/'s real implementations; it goes
 * once the broker carries the node's io (issue 12), and the MQTT context passes those on instead.
 */
import type { FileSystem } from "../../io/file-system.js";
import { nodeFileSystem } from "../../io/file-system.js";
import { nodeFileRenamer, type FileRenamer } from "../../io/file-rename.js";

export interface LogFiles {
  readonly fileSystem: FileSystem;
  readonly renamer: FileRenamer;
}

export const defaultLogFiles: LogFiles = { fileSystem: nodeFileSystem, renamer: nodeFileRenamer };
