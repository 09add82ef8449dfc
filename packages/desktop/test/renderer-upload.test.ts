/**
 * The renderer's uploader (browser mode) against a stand-in bridge: chunks in order, never
 * more than the window ahead of the acknowledgements, the end after the last one, progress
 * passed to the view a few times a second, and Electron's path taking the place of an upload.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AppCommand, AppEvent } from '../src/bridge/app-protocol.js';
import type { CryptullyApi } from '../src/bridge/cryptully-api.js';
import { MAX_UPLOAD_CHUNK_BYTES, UPLOAD_WINDOW_CHUNKS } from '../src/bridge/parse-app-command.js';
import { sendFile, toBase64, type UploadReport } from '../src/renderer/upload.js';

function fakeApi(pathForFile?: (file: File) => string) {
  const sent: AppCommand[] = [];
  const listeners = new Set<(event: AppEvent) => void>();
  const api: CryptullyApi = {
    send: (command) => sent.push(command),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ...(pathForFile ? { pathForFile } : {}),
  };
  const emit = (event: AppEvent) => {
    for (const l of [...listeners]) l(event);
  };
  return { api, sent, emit, listeners };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('the renderer uploader', () => {
  it('encodes standard base64 like Node does (the fallback without a native encoder)', () => {
    for (const n of [0, 1, 2, 3, 4097, MAX_UPLOAD_CHUNK_BYTES]) {
      const bytes = randomBytes(n);
      expect(toBase64(new Uint8Array(bytes))).toBe(bytes.toString('base64'));
    }
  });

  it('streams in order within the window, ends after the last ack, then stops listening', async () => {
    const { api, sent, emit, listeners } = fakeApi();
    const content = randomBytes(MAX_UPLOAD_CHUNK_BYTES * (UPLOAD_WINDOW_CHUNKS + 3) + 11);
    const reports: UploadReport[] = [];
    const running = sendFile(api, 'bob1', new File([content], 'a.bin'), (r) => reports.push(r));
    expect(running).not.toBeNull();
    await settle();
    const upload = running!.upload;
    expect(sent[0]).toEqual({
      cmd: 'upload-start',
      upload,
      peer: 'bob1',
      name: 'a.bin',
      size: content.length,
    });
    expect(reports[0]).toEqual({
      type: 'upload',
      peer: 'bob1',
      upload,
      name: 'a.bin',
      size: content.length,
    });
    // The window is full: no more chunks until acknowledgements come.
    expect(sent.filter((c) => c.cmd === 'upload-chunk')).toHaveLength(UPLOAD_WINDOW_CHUNKS);
    let received = Buffer.alloc(0);
    for (let guard = 0; guard < 100 && !sent.some((c) => c.cmd === 'upload-end'); guard++) {
      const chunks = sent.filter((c) => c.cmd === 'upload-chunk');
      for (const c of chunks.slice(received.length / MAX_UPLOAD_CHUNK_BYTES)) {
        if (c.cmd !== 'upload-chunk') continue;
        expect(c.offset).toBe(received.length);
        received = Buffer.concat([received, Buffer.from(c.data, 'base64')]);
        emit({ event: 'upload-ack', upload, bytes: received.length });
      }
      await settle();
    }
    expect(received.equals(content)).toBe(true);
    expect(sent.at(-1)).toEqual({ cmd: 'upload-end', upload });
    // The last acknowledgement always reaches the view (the earlier ones a few a second).
    expect(reports.at(-1)).toMatchObject({
      type: 'event',
      event: { event: 'upload-ack', bytes: content.length },
    });
    emit({ event: 'upload-done', upload });
    expect(listeners.size).toBe(0);
  });

  it('sends a file by its path when the shell knows it (Electron)', () => {
    const { api, sent } = fakeApi((file) => `/home/ada/${file.name}`);
    const reports: UploadReport[] = [];
    expect(sendFile(api, 'bob1', new File(['x'], 'a.txt'), (r) => reports.push(r))).toBeNull();
    expect(sent).toEqual([
      { cmd: 'send-file', peer: 'bob1', path: '/home/ada/a.txt', name: 'a.txt' },
    ]);
    expect(reports).toEqual([]);
  });

  it('cancel tells the server and stops', async () => {
    const { api, sent, listeners } = fakeApi();
    const running = sendFile(api, 'bob1', new File([randomBytes(10)], 'a'), () => {});
    running!.cancel();
    await settle();
    expect(sent.at(-1)).toEqual({ cmd: 'upload-cancel', upload: running!.upload });
    expect(listeners.size).toBe(0);
  });
});
