import { ChatNode } from '@cryptully/core/engine';
import type { OpenEngine } from './chat-engine.js';

/** The client name and version the desktop app announces in its hello. */
export const CLIENT = { clientName: 'cryptully-desktop', clientVersion: '0.1.0' } as const;

/**
 * Opens core's `ChatNode` (the real engine) for the back end.
 * @throws the node's coded errors (e.g. `ERR_IDENTITY_WRONG_PASSPHRASE`, `ERR_NO_NAME`).
 */
export const openCoreEngine: OpenEngine = (options) => ChatNode.open({ ...options, ...CLIENT });
