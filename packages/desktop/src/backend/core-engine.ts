import type { ChatEngine, OpenEngine } from './chat-engine.js';

/** The client name and version the desktop app announces in its hello. */
export const CLIENT = { clientName: 'cryptully-desktop', clientVersion: '0.1.0' } as const;

/**
 * Opens core's `ChatNode` (the real engine) for the back end.
 * @throws the node's coded errors (e.g. a wrong passphrase).
 */
export const openCoreEngine: OpenEngine = async (options) => {
  const specifier = '@cryptully/core/engine';
  const { ChatNode } = (await import(specifier)) as {
    ChatNode: { open(o: Record<string, unknown>): Promise<ChatEngine> };
  };
  return ChatNode.open({ ...options, ...CLIENT });
};
