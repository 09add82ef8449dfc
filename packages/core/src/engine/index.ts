/**
 * The chat engine every front end uses: {@link ChatNode} wires sessions to transports,
 * timers and storage. Node-only. See docs/protocol-session.md.
 * @module
 */

export {
  defaultDownloadsDir,
  type FileDisk,
  FileDiskError,
  type FileDiskProblem,
  nodeFileDisk,
  type PartFile,
  type SourceFile,
} from '../adapters/file-disk.js';
export type {
  InitiatorOptions,
  ResponderOptions,
  SecureChannelFactory,
  SecureConnection,
} from '../adapters/secure-connection.js';
export * from './chat-node.js';
export * from './errors.js';
export * from './failure-limiter.js';
export * from './file-storage.js';
export * from './file-transfers.js';
export * from './limits.js';
export * from './storage.js';
