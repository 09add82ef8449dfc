/**
 * How a picked or dropped file reaches the back end. Electron gives its path (the preload's
 * `pathForFile`), so it is offered with `send-file` as it is. A browser gives only the
 * contents: the file is streamed to the browser mode's server in base64 chunks of at most
 * `MAX_UPLOAD_CHUNK_BYTES`, never more than `UPLOAD_WINDOW_CHUNKS` ahead of its
 * acknowledgements (`upload-ack`), and the server offers it once complete. The uploader
 * passes the acknowledgements on to the view a few times a second (the app ignores them
 * otherwise), so a large file does not cost a render per chunk.
 * @module
 */
import type { PeerId } from '@cryptully/core/protocol';
import type { AppEvent } from '../bridge/app-protocol.js';
import type { CryptullyApi } from '../bridge/cryptully-api.js';
import { MAX_UPLOAD_CHUNK_BYTES, UPLOAD_WINDOW_CHUNKS } from '../bridge/parse-app-command.js';

/** How much of the file is read at once (then cut into chunks). */
const READ_BLOCK_BYTES = 1024 * 1024;

/** How often an upload's progress reaches the view. */
const PROGRESS_EVERY_MS = 200;

/** What the uploader reports to the view model. */
export type UploadReport =
  | { type: 'upload'; peer: PeerId; upload: string; name: string; size: number }
  | { type: 'event'; event: AppEvent; now: number };

/** Standard base64 of some bytes (what the server's validator accepts). */
export function toBase64(bytes: Uint8Array): string {
  // The browser's own encoder where it has one (Chromium 140+): some 40 times faster.
  const native = (bytes as Uint8Array & { toBase64?: () => string }).toBase64;
  if (typeof native === 'function') return native.call(bytes);
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 0x1000) {
    parts.push(
      String.fromCharCode.apply(null, bytes.subarray(i, i + 0x1000) as unknown as number[]),
    );
  }
  return btoa(parts.join(''));
}

function newUploadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `u${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A running upload. */
export interface RunningUpload {
  readonly upload: string;
  /** Stops it; the server removes what it wrote. */
  cancel(): void;
}

/**
 * Offers `file` to `peer`: by path when the shell knows it (Electron), else by upload.
 * Returns the upload (null when it went by path).
 */
export function sendFile(
  api: CryptullyApi,
  peer: PeerId,
  file: File,
  report: (r: UploadReport) => void,
): RunningUpload | null {
  const path = api.pathForFile?.(file) ?? '';
  if (path !== '') {
    api.send({ cmd: 'send-file', peer, path, name: file.name });
    return null;
  }
  return uploadFile(api, peer, file, report);
}

/** Streams `file` to the browser mode's server (see the module). */
export function uploadFile(
  api: CryptullyApi,
  peer: PeerId,
  file: File,
  report: (r: UploadReport) => void,
): RunningUpload {
  const upload = newUploadId();
  const size = file.size;
  let sent = 0;
  let acked = 0;
  let reading = false;
  let reportedAt = 0;
  let block: { start: number; bytes: Uint8Array } | undefined;
  let over = false;
  const fail = (message: string) => {
    if (over) return;
    finish();
    report({ type: 'event', event: { event: 'upload-failed', upload, message }, now: Date.now() });
  };
  const finish = () => {
    over = true;
    unsubscribe();
  };
  const pump = async () => {
    if (reading || over) return;
    reading = true;
    try {
      while (!over && sent < size && sent - acked < UPLOAD_WINDOW_CHUNKS * MAX_UPLOAD_CHUNK_BYTES) {
        const end = Math.min(size, sent + MAX_UPLOAD_CHUNK_BYTES);
        if (!block || sent < block.start || end > block.start + block.bytes.length) {
          // One read per block, not per chunk: each read of a File is a trip through the browser.
          const blockEnd = Math.min(size, sent + READ_BLOCK_BYTES);
          block = {
            start: sent,
            bytes: new Uint8Array(await file.slice(sent, blockEnd).arrayBuffer()),
          };
          if (over) return;
          if (block.bytes.length !== blockEnd - sent) throw new Error('short read');
        }
        const bytes = block.bytes.subarray(sent - block.start, end - block.start);
        api.send({ cmd: 'upload-chunk', upload, offset: sent, data: toBase64(bytes) });
        sent = end;
      }
      if (!over && sent === size && acked === size) api.send({ cmd: 'upload-end', upload });
    } catch (error) {
      fail(
        error instanceof Error && error.message.startsWith('Not connected')
          ? 'Lost contact with Cryptully during the upload.'
          : 'The browser could not read the file.',
      );
    } finally {
      reading = false;
    }
  };
  const unsubscribe = api.onEvent((event) => {
    if (!('upload' in event) || event.upload !== upload) return;
    if (event.event === 'upload-ack') {
      acked = event.bytes;
      void pump();
      // The view hears of it a few times a second, not once per chunk (a render each).
      const now = Date.now();
      if (now - reportedAt >= PROGRESS_EVERY_MS || acked === size) {
        reportedAt = now;
        report({ type: 'event', event, now });
      }
    } else {
      finish();
    }
  });
  report({ type: 'upload', peer, upload, name: file.name, size });
  try {
    api.send({ cmd: 'upload-start', upload, peer, name: file.name, size });
  } catch (error) {
    fail((error as Error).message);
  }
  void pump();
  return {
    upload,
    cancel() {
      if (over) return;
      finish();
      try {
        api.send({ cmd: 'upload-cancel', upload });
      } catch {
        // The connection is gone: the server dropped the upload with the tab.
      }
    },
  };
}
