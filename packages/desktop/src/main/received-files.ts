/**
 * The files this app received, for Electron's "Open" and "Show in folder": the renderer names
 * a transfer (peer and id), never a path, and only a finished incoming transfer has one.
 * Pure (no `electron` import), so it is tested without Electron.
 * @module
 */
import { existsSync } from 'node:fs';
import type { AppEvent } from '../bridge/app-protocol.js';
import type { RevealRequest } from '../bridge/parse-app-command.js';

/** The part of Electron's `shell` used here. */
export interface ShellLike {
  /** Resolves with '' on success, else an error message. */
  openPath(path: string): Promise<string>;
  showItemInFolder(path: string): void;
}

/** Collects the saved paths of incoming transfers from the back end's events. */
export class ReceivedFiles {
  readonly #incoming = new Set<string>();
  readonly #saved = new Map<string, string>();

  /** Follows one back-end event. */
  onEvent(event: AppEvent): void {
    if (event.event === 'file-offer') {
      this.#incoming.add(`${event.peer}:${event.id}`);
    } else if (event.event === 'file-done') {
      const key = `${event.peer}:${event.id}`;
      if (this.#incoming.delete(key)) this.#saved.set(key, event.path);
    } else if (event.event === 'file-failed') {
      this.#incoming.delete(`${event.peer}:${event.id}`);
    }
  }

  /** The saved path of a finished incoming transfer, if this app received it. */
  pathOf(peer: string, id: string): string | undefined {
    return this.#saved.get(`${peer}:${id}`);
  }
}

/**
 * Opens or shows a received file. Resolves with null on success, else one sentence for the
 * person (never the path of a file this app did not receive).
 */
export async function revealReceived(
  files: ReceivedFiles,
  request: RevealRequest,
  shell: ShellLike,
  exists: (path: string) => boolean = existsSync,
): Promise<string | null> {
  const path = files.pathOf(request.peer, request.id);
  if (path === undefined) return 'Only files received in this session can be opened from here.';
  if (!exists(path)) return 'That file is no longer where it was saved.';
  if (request.action === 'show') {
    shell.showItemInFolder(path);
    return null;
  }
  const failure = await shell.openPath(path);
  return failure === '' ? null : 'The system could not open that file.';
}
