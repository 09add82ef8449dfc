/**
 * The browser mode's uploads: a browser hands the page a file's contents, never its path, so
 * a tab streams a picked or dropped file over its (already authenticated) WebSocket in
 * base64 chunks; the server writes them to a private temporary file, offers that file with
 * `send-file` under the original name, and removes it once the transfer ends.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from '@cryptully/core/crypto';
import type { PeerId } from '@cryptully/core/protocol';
import type { AppEvent, UploadCommand, UploadEvent } from '../bridge/app-protocol.js';
import { MAX_UPLOAD_BYTES } from '../bridge/parse-app-command.js';

/** Uploads one tab may run at once. */
export const MAX_UPLOADS_PER_TAB = 4;
/**
 * Chunks of one upload that may wait to be written: a tab keeps at most
 * `UPLOAD_WINDOW_CHUNKS` (16) unacknowledged, so more means it ignores the back-pressure.
 */
export const MAX_QUEUED_CHUNKS = 64;

/** What the uploads need from the rest of the server. */
export interface UploadHost {
  /** Offers `path` to `peer` under `name` (the back end's `send-file`); never throws. */
  sendFile(peer: PeerId, path: string, name: string): Promise<void>;
  log?: (line: string) => void;
}

interface Upload {
  peer: PeerId;
  name: string;
  size: number;
  path: string;
  file: Promise<FileHandle>;
  /** Bytes received (queued for writing), in order. */
  received: number;
  queued: number;
  /** The writes so far, one after the other. */
  chain: Promise<void>;
  failed: boolean;
}

/**
 * The server-wide store: one private folder (mode 0700, under the system's temporary folder)
 * for every upload of this run, files that wait for their transfer to end, and the cleanup.
 */
export class UploadStore {
  readonly dir: string;
  readonly #host: UploadHost;
  readonly #maxBytes: number;
  /** Offered files by path, then by `peer:id` once their `file-offered` came. */
  readonly #waiting = new Set<string>();
  readonly #offered = new Map<string, string>();

  constructor(host: UploadHost, options: { maxBytes?: number; parent?: string } = {}) {
    this.#host = host;
    this.#maxBytes = options.maxBytes ?? MAX_UPLOAD_BYTES;
    this.dir = mkdtempSync(join(options.parent ?? tmpdir(), 'cryptully-uploads-'));
  }

  /** A tab's uploads: events go to `reply` (that tab only). */
  forTab(reply: (event: UploadEvent) => void): TabUploads {
    return new TabUploads(this, reply);
  }

  /** Follows the back end's events: removes an uploaded file once its transfer ended. */
  onEvent(event: AppEvent): void {
    if (event.event === 'file-offered' && this.#waiting.has(event.path)) {
      this.#waiting.delete(event.path);
      this.#offered.set(`${event.peer}:${event.id}`, event.path);
    } else if (event.event === 'file-done' || event.event === 'file-failed') {
      const key = `${event.peer}:${event.id}`;
      const path = this.#offered.get(key);
      if (path !== undefined) {
        this.#offered.delete(key);
        void this.remove(path);
      }
    }
  }

  /** Removes every upload of this run (at shutdown). */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** @internal */
  get maxBytes(): number {
    return this.#maxBytes;
  }

  /** @internal A fresh path in the private folder (the name is random, never the user's). */
  newPath(): string {
    return join(this.dir, `${Buffer.from(randomBytes(12)).toString('hex')}.upload`);
  }

  /** @internal Offers a complete upload; removes it if no offer went out. */
  async offer(upload: Upload): Promise<void> {
    this.#waiting.add(upload.path);
    await this.#host.sendFile(upload.peer, upload.path, upload.name);
    if (this.#waiting.delete(upload.path)) await this.remove(upload.path);
  }

  /** @internal */
  async remove(path: string): Promise<void> {
    await unlink(path).catch(() => {});
  }

  /** @internal */
  log(line: string): void {
    this.#host.log?.(line);
  }
}

/** The uploads of one tab (one WebSocket): unknown to every other tab. */
export class TabUploads {
  readonly #store: UploadStore;
  readonly #reply: (event: UploadEvent) => void;
  readonly #uploads = new Map<string, Upload>();

  /** @internal Use {@link UploadStore.forTab}. */
  constructor(store: UploadStore, reply: (event: UploadEvent) => void) {
    this.#store = store;
    this.#reply = reply;
  }

  /** Runs one validated upload command. Never throws: failures become `upload-failed`. */
  handle(command: UploadCommand): void {
    const id = command.upload;
    const upload = this.#uploads.get(id);
    switch (command.cmd) {
      case 'upload-start': {
        if (upload) {
          this.#fail(id, 'That upload was already started.');
          return;
        }
        if (this.#uploads.size >= MAX_UPLOADS_PER_TAB) {
          this.#reply({
            event: 'upload-failed',
            upload: id,
            message: `At most ${MAX_UPLOADS_PER_TAB} files can be sent from the browser at once; wait for one to finish.`,
          });
          return;
        }
        if (command.size > this.#store.maxBytes) {
          this.#reply({
            event: 'upload-failed',
            upload: id,
            message: `The browser can send files of up to ${formatLimit(this.#store.maxBytes)}; use the command line or the desktop app for larger ones.`,
          });
          return;
        }
        const path = this.#store.newPath();
        const file = open(path, 'wx', 0o600);
        const started: Upload = {
          peer: command.peer,
          name: command.name,
          size: command.size,
          path,
          file,
          received: 0,
          queued: 0,
          chain: file.then(() => undefined),
          failed: false,
        };
        this.#uploads.set(id, started);
        started.chain = started.chain.catch((error: unknown) => this.#ioFailed(id, started, error));
        return;
      }
      case 'upload-chunk': {
        if (!upload) {
          this.#unknown(id);
          return;
        }
        const bytes = Buffer.from(command.data, 'base64');
        if (command.offset !== upload.received) {
          this.#fail(id, 'The upload skipped or repeated part of the file.');
          return;
        }
        if (upload.received + bytes.length > upload.size) {
          this.#fail(id, 'The upload is longer than the file said.');
          return;
        }
        if (upload.queued >= MAX_QUEUED_CHUNKS) {
          this.#fail(id, 'The upload did not wait for the server to keep up.');
          return;
        }
        upload.received += bytes.length;
        upload.queued += 1;
        const end = upload.received;
        upload.chain = upload.chain.then(async () => {
          if (upload.failed) return;
          try {
            const handle = await upload.file;
            let written = 0;
            while (written < bytes.length) {
              const { bytesWritten } = await handle.write(
                bytes,
                written,
                bytes.length - written,
                command.offset + written,
              );
              written += bytesWritten;
            }
          } catch (error) {
            this.#ioFailed(id, upload, error);
            return;
          }
          upload.queued -= 1;
          if (!upload.failed) this.#reply({ event: 'upload-ack', upload: id, bytes: end });
        });
        return;
      }
      case 'upload-end': {
        if (!upload) {
          this.#unknown(id);
          return;
        }
        if (upload.received !== upload.size) {
          this.#fail(id, 'The upload ended before the whole file came.');
          return;
        }
        this.#uploads.delete(id);
        void upload.chain.then(async () => {
          if (upload.failed) return;
          await (await upload.file).close().catch(() => {});
          this.#reply({ event: 'upload-done', upload: id });
          await this.#store.offer(upload);
        });
        return;
      }
      case 'upload-cancel':
        if (upload) {
          this.#uploads.delete(id);
          this.#drop(upload);
        }
        return;
    }
  }

  /** The tab went away: every unfinished upload is removed. */
  close(): void {
    for (const upload of this.#uploads.values()) this.#drop(upload);
    this.#uploads.clear();
  }

  #unknown(id: string): void {
    this.#reply({ event: 'upload-failed', upload: id, message: 'There is no such upload.' });
  }

  #ioFailed(id: string, upload: Upload, error: unknown): void {
    if (upload.failed) return;
    if (this.#uploads.get(id) === upload) this.#uploads.delete(id);
    this.#drop(upload);
    const code = (error as { code?: unknown } | null)?.code;
    this.#store.log(`an upload could not be written: ${typeof code === 'string' ? code : 'error'}`);
    this.#reply({
      event: 'upload-failed',
      upload: id,
      message:
        code === 'ENOSPC'
          ? 'The disk is full, so the file could not be prepared for sending.'
          : 'The file could not be prepared for sending (the temporary folder is not writable).',
    });
  }

  #fail(id: string, message: string): void {
    const upload = this.#uploads.get(id);
    if (upload) {
      this.#uploads.delete(id);
      this.#drop(upload);
    }
    this.#reply({ event: 'upload-failed', upload: id, message });
  }

  #drop(upload: Upload): void {
    upload.failed = true;
    void upload.chain.then(async () => {
      await (await upload.file.catch(() => undefined))?.close().catch(() => {});
      await this.#store.remove(upload.path);
    });
  }
}

function formatLimit(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${Math.round((bytes / 1024 ** 3) * 10) / 10} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MiB`;
  return `${bytes} bytes`;
}
