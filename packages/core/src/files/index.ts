/**
 * File transfer's pure parts: the chunk wire format, safe names for received files, media
 * types. The engine (`engine/file-transfers.ts`) and the disk adapter (`adapters/file-disk.ts`)
 * do the rest. See docs/protocol-session.md §8.
 * @module
 */
export * from './file-name.js';
export * from './folder-manifest.js';
export * from './media-type.js';
export * from './transfer-wire.js';
