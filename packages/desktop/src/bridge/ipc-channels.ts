/**
 * The IPC channel names between Electron's main process and the preload. Kept in one
 * place so main and preload cannot drift apart.
 */
export const IPC_CHANNELS = {
  /** renderer → main: one `AppCommand`, validated on both sides. */
  command: 'cryptully:command',
  /** main → renderer: one `AppEvent`, validated in the preload. */
  event: 'cryptully:event',
  /** renderer → main: the renderer is ready for events (main replays the state). */
  subscribe: 'cryptully:subscribe',
  /** renderer → main: one `RevealRequest` (open or show a file this app received). */
  reveal: 'cryptully:reveal',
} as const;
