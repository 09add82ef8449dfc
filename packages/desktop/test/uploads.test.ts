/**
 * The browser mode's uploads: over a real WebSocket of the real web server, and the store's
 * rules one by one (order, size, back-pressure, limits, cleanup), on real files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppCommand, AppEvent, UploadEvent } from '../src/bridge/app-protocol.js';
import { MAX_UPLOAD_CHUNK_BYTES } from '../src/bridge/parse-app-command.js';
import { MAX_QUEUED_CHUNKS, MAX_UPLOADS_PER_TAB, UploadStore } from '../src/web/uploads.js';
import { startWebServer } from '../src/web/web-server.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cryptully-upload-test-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Waits until `check` is true (files are written and removed asynchronously). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const chunk = (upload: string, offset: number, bytes: Uint8Array): AppCommand => ({
  cmd: 'upload-chunk',
  upload,
  offset,
  data: Buffer.from(bytes).toString('base64'),
});

/** A store whose `send-file` records the offered file's contents (it must be complete). */
function storeWithRecorder(options: { maxBytes?: number; offers?: boolean } = {}) {
  const parent = tempDir();
  const offered: Array<{ peer: string; name: string; path: string; content: Buffer }> = [];
  const store = new UploadStore(
    {
      async sendFile(peer, path, name) {
        offered.push({ peer, name, path, content: readFileSync(path) });
        if (options.offers !== false) {
          store.onEvent({
            event: 'file-offered',
            peer,
            id: 'f1',
            name,
            size: 0,
            sha256: '',
            path,
          });
        }
      },
    },
    { parent, ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}) },
  );
  cleanup.push(() => store.close());
  const events: UploadEvent[] = [];
  const tab = store.forTab((event) => events.push(event));
  const files = () => readdirSync(store.dir);
  return { store, tab, events, offered, files };
}

describe('browser mode uploads over the real WebSocket', () => {
  it('writes the chunks to a private file, offers it under its name, removes it after the transfer', async () => {
    const rendererDir = tempDir();
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(rendererDir, 'app.js'), 'export {};');
    const listeners = new Set<(event: AppEvent) => void>();
    const seen: Array<{ command: AppCommand; content?: Buffer; mode?: number }> = [];
    const backend = {
      subscribe(listener: (event: AppEvent) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async handle(command: AppCommand) {
        if (command.cmd !== 'send-file') return void seen.push({ command });
        seen.push({
          command,
          content: readFileSync(command.path),
          mode: statSync(command.path).mode & 0o777,
        });
        const offered: AppEvent = {
          event: 'file-offered',
          peer: command.peer ?? '',
          id: 'abc',
          name: command.name ?? '',
          size: 0,
          sha256: '',
          path: command.path,
        };
        for (const l of listeners) l(offered);
      },
    };
    const parent = tempDir();
    const server = await startWebServer({
      backend,
      rendererDir,
      apiToken: 'test-token',
      uploads: { parent },
    });
    cleanup.push(() => server.close());
    const origin = `http://127.0.0.1:${server.port}`;
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=test-token`, { origin });
    const events: AppEvent[] = [];
    socket.on('message', (data) => events.push(JSON.parse(data.toString()) as AppEvent));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    cleanup.push(() => socket.close());

    const content = randomBytes(MAX_UPLOAD_CHUNK_BYTES * 2 + 5);
    const send = (command: AppCommand) => socket.send(JSON.stringify(command));
    send({
      cmd: 'upload-start',
      upload: 'u1',
      peer: 'bob1',
      name: 'holiday.jpg',
      size: content.length,
    });
    let offset = 0;
    while (offset < content.length) {
      const part = content.subarray(offset, offset + MAX_UPLOAD_CHUNK_BYTES);
      send(chunk('u1', offset, part));
      offset += part.length;
    }
    await until(
      () => events.some((e) => e.event === 'upload-ack' && e.bytes === content.length),
      'the last ack',
    );
    send({ cmd: 'upload-end', upload: 'u1' });
    await until(() => seen.length === 1, 'send-file');
    const acks = events.filter((e) => e.event === 'upload-ack').map((e) => 'bytes' in e && e.bytes);
    expect(acks).toEqual([MAX_UPLOAD_CHUNK_BYTES, MAX_UPLOAD_CHUNK_BYTES * 2, content.length]);
    expect(events.some((e) => e.event === 'upload-done' && e.upload === 'u1')).toBe(true);
    const [{ command, content: written, mode }] = seen as [Required<(typeof seen)[0]>];
    expect(command).toMatchObject({ cmd: 'send-file', peer: 'bob1', name: 'holiday.jpg' });
    expect(createHash('sha256').update(written).digest('hex')).toBe(
      createHash('sha256').update(content).digest('hex'),
    );
    expect(mode).toBe(0o600);
    const folder = readdirSync(parent).find((d) => d.startsWith('cryptully-uploads-')) ?? '';
    expect(statSync(join(parent, folder)).mode & 0o777).toBe(0o700);
    // The upload's file stays while the transfer runs, and goes when it ends.
    expect(readdirSync(join(parent, folder))).toHaveLength(1);
    for (const l of listeners) {
      l({ event: 'file-done', peer: 'bob1', id: 'abc', path: 'x', sha256: '' });
    }
    await until(() => readdirSync(join(parent, folder)).length === 0, 'removal');
    // Another tab cannot touch this tab's uploads, and an upload command never reaches the node.
    send({ cmd: 'upload-end', upload: 'u1' });
    await until(
      () => events.some((e) => e.event === 'upload-failed' && e.upload === 'u1'),
      'unknown upload refused',
    );
    expect(seen).toHaveLength(1);
    await server.close();
    expect(readdirSync(parent).filter((d) => d.startsWith('cryptully-uploads-'))).toEqual([]);
  });
});

describe('UploadStore rules', () => {
  it('refuses chunks out of order and removes what was written', async () => {
    const { tab, events, files } = storeWithRecorder();
    tab.handle({ cmd: 'upload-start', upload: 'a', peer: 'p', name: 'n', size: 10 });
    tab.handle(chunk('a', 0, new Uint8Array(4)) as never);
    tab.handle(chunk('a', 6, new Uint8Array(4)) as never);
    await until(() => events.some((e) => e.event === 'upload-failed'), 'failure');
    expect(events.at(-1)).toEqual({
      event: 'upload-failed',
      upload: 'a',
      message: 'The upload skipped or repeated part of the file.',
    });
    await until(() => files().length === 0, 'removal');
  });

  it('refuses more bytes than announced, and an end before the last byte', async () => {
    const { tab, events } = storeWithRecorder();
    tab.handle({ cmd: 'upload-start', upload: 'a', peer: 'p', name: 'n', size: 3 });
    tab.handle(chunk('a', 0, new Uint8Array(4)) as never);
    tab.handle({ cmd: 'upload-start', upload: 'b', peer: 'p', name: 'n', size: 3 });
    tab.handle(chunk('b', 0, new Uint8Array(2)) as never);
    tab.handle({ cmd: 'upload-end', upload: 'b' });
    const failures = events.filter((e) => e.event === 'upload-failed');
    expect(failures.map((e) => 'message' in e && e.message)).toEqual([
      'The upload is longer than the file said.',
      'The upload ended before the whole file came.',
    ]);
  });

  it('refuses a file over the size limit and more uploads at once than allowed', () => {
    const { tab, events } = storeWithRecorder({ maxBytes: 100 });
    tab.handle({ cmd: 'upload-start', upload: 'big', peer: 'p', name: 'n', size: 101 });
    expect(events.at(-1)).toMatchObject({ event: 'upload-failed', upload: 'big' });
    expect(events.at(-1)).toHaveProperty(
      'message',
      'The browser can send files of up to 100 bytes; use the command line or the desktop app for larger ones.',
    );
    for (let i = 0; i < MAX_UPLOADS_PER_TAB; i++) {
      tab.handle({ cmd: 'upload-start', upload: `u${i}`, peer: 'p', name: 'n', size: 1 });
    }
    const before = events.length;
    tab.handle({ cmd: 'upload-start', upload: 'one-more', peer: 'p', name: 'n', size: 1 });
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ event: 'upload-failed', upload: 'one-more' });
  });

  it('fails a tab that ignores the back-pressure', async () => {
    const { tab, events, files } = storeWithRecorder();
    const size = (MAX_QUEUED_CHUNKS + 1) * 16;
    tab.handle({ cmd: 'upload-start', upload: 'a', peer: 'p', name: 'n', size });
    for (let i = 0; i <= MAX_QUEUED_CHUNKS; i++) {
      tab.handle(chunk('a', i * 16, new Uint8Array(16)) as never);
    }
    expect(events.at(-1)).toEqual({
      event: 'upload-failed',
      upload: 'a',
      message: 'The upload did not wait for the server to keep up.',
    });
    await until(() => files().length === 0, 'removal');
  });

  it('removes a cancelled upload and every unfinished one when the tab goes', async () => {
    const { store, tab, files } = storeWithRecorder();
    tab.handle({ cmd: 'upload-start', upload: 'a', peer: 'p', name: 'n', size: 10 });
    tab.handle(chunk('a', 0, new Uint8Array(5)) as never);
    const other = store.forTab(() => {});
    other.handle({ cmd: 'upload-start', upload: 'a', peer: 'p', name: 'n', size: 10 });
    await until(() => files().length === 2, 'two files');
    tab.handle({ cmd: 'upload-cancel', upload: 'a' });
    await until(() => files().length === 1, 'cancelled removed');
    other.close();
    await until(() => files().length === 0, 'tab closed');
  });

  it('removes a complete upload whose offer never went out (e.g. the friend left)', async () => {
    const { tab, offered, files } = storeWithRecorder({ offers: false });
    tab.handle({ cmd: 'upload-start', upload: 'a', peer: 'p', name: 'empty.txt', size: 0 });
    tab.handle({ cmd: 'upload-end', upload: 'a' });
    await until(() => offered.length === 1, 'send-file');
    expect(offered[0]).toMatchObject({ name: 'empty.txt', content: Buffer.alloc(0) });
    await until(() => files().length === 0, 'removal');
  });
});
