import { EventEmitter } from 'node:events';
import { CryptullyError } from '@cryptully/core/protocol';
import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../src/bridge/app-protocol.js';
import { IPC_CHANNELS } from '../src/bridge/ipc-channels.js';
import {
  MAX_UPLOAD_BYTES,
  MAX_UPLOAD_CHUNK_BYTES,
  parseAppCommand,
  parseRevealRequest,
} from '../src/bridge/parse-app-command.js';
import { EventError, parseAppEvent } from '../src/bridge/parse-app-event.js';
import { createPreloadApi, type IpcRendererLike } from '../src/preload/preload-api.js';

/** A stand-in for ipcRenderer that records what the preload sends and lets a test emit. */
function fakeIpc() {
  const emitter = new EventEmitter();
  const sent: Array<{ channel: string; args: unknown[] }> = [];
  const ipc: IpcRendererLike = {
    send: (channel, ...args) => sent.push({ channel, args }),
    on: (channel, listener) => emitter.on(channel, listener),
    removeListener: (channel, listener) => emitter.removeListener(channel, listener),
  };
  return { ipc, sent, emit: (raw: unknown) => emitter.emit(IPC_CHANNELS.event, {}, raw), emitter };
}

describe('parseAppCommand (every command crossing the bridge)', () => {
  const valid: Array<[unknown, unknown]> = [
    [
      { cmd: 'setup', name: '  Ada ' },
      { cmd: 'setup', name: 'Ada' },
    ],
    [
      { cmd: 'setup', name: 'Ada', passphrase: '' },
      { cmd: 'setup', name: 'Ada' },
    ],
    [
      { cmd: 'setup', name: 'Ada', passphrase: 'pw' },
      { cmd: 'setup', name: 'Ada', passphrase: 'pw' },
    ],
    [
      { cmd: 'unlock', passphrase: 'pw' },
      { cmd: 'unlock', passphrase: 'pw' },
    ],
    [
      { cmd: 'send', peer: 'p', text: 'hi', extra: 'dropped' },
      { cmd: 'send', peer: 'p', text: 'hi' },
    ],
    [
      { cmd: 'accept', peer: 'p', confirmKeyChange: true },
      { cmd: 'accept', peer: 'p', confirmKeyChange: true },
    ],
    [{ cmd: 'host' }, { cmd: 'host' }],
    [
      { cmd: 'upload-start', upload: 'u1', peer: 'p', name: 'a b.txt', size: 0, x: 1 },
      { cmd: 'upload-start', upload: 'u1', peer: 'p', name: 'a b.txt', size: 0 },
    ],
    [
      { cmd: 'upload-chunk', upload: 'u_1-A', offset: 3, data: 'aGk=' },
      { cmd: 'upload-chunk', upload: 'u_1-A', offset: 3, data: 'aGk=' },
    ],
    [
      { cmd: 'upload-end', upload: 'u1' },
      { cmd: 'upload-end', upload: 'u1' },
    ],
    [
      { cmd: 'upload-cancel', upload: 'u1' },
      { cmd: 'upload-cancel', upload: 'u1' },
    ],
    [
      { cmd: 'settings', dht: true, relay: ' ', bootstrap: '', portMapping: false, x: 1 },
      { cmd: 'settings', dht: true, relay: '', bootstrap: '', portMapping: false },
    ],
    [
      { cmd: 'settings', dht: false, portMapping: true },
      { cmd: 'settings', dht: false, relay: '', bootstrap: '', portMapping: true },
    ],
    // Without portMapping (a front end from before it was a setting): left as it is.
    [
      { cmd: 'settings', dht: true, relay: '', bootstrap: '' },
      { cmd: 'settings', dht: true, relay: '', bootstrap: '' },
    ],
  ];
  it.each(valid)('accepts %j', (input, output) => {
    expect(parseAppCommand(input)).toEqual(output);
  });

  const invalid: unknown[] = [
    null,
    'send',
    [],
    { cmd: 'eval', code: '1' },
    { cmd: 'setup' },
    { cmd: 'setup', name: '   ' },
    { cmd: 'setup', name: 'x'.repeat(65) },
    { cmd: 'setup', name: 'Ada', passphrase: 7 },
    { cmd: 'unlock' },
    { cmd: 'unlock', passphrase: '' },
    { cmd: 'send', text: 5 },
    { cmd: 'accept', peer: 'p', confirmKeyChange: 'yes' },
    { cmd: 'host', port: 70000 },
    { cmd: '__proto__' },
    { cmd: 'upload-start', upload: '../x', peer: 'p', name: 'n', size: 1 },
    { cmd: 'upload-start', upload: 'x'.repeat(65), peer: 'p', name: 'n', size: 1 },
    { cmd: 'upload-start', upload: 'u', peer: 'p', name: '', size: 1 },
    { cmd: 'upload-start', upload: 'u', peer: 'p', name: 'n', size: -1 },
    { cmd: 'upload-start', upload: 'u', peer: 'p', name: 'n', size: 1.5 },
    { cmd: 'upload-start', upload: 'u', peer: 'p', name: 'n', size: MAX_UPLOAD_BYTES + 1 },
    { cmd: 'upload-start', upload: 'u', name: 'n', size: 1 },
    { cmd: 'upload-chunk', upload: 'u', offset: 0, data: '' },
    { cmd: 'upload-chunk', upload: 'u', offset: 0, data: 'not base64!' },
    { cmd: 'upload-chunk', upload: 'u', offset: 0, data: 'aGk' },
    { cmd: 'upload-chunk', upload: 'u', offset: 0, data: 'A'.repeat(43_696) },
    { cmd: 'upload-chunk', upload: 'u', offset: -4, data: 'aGk=' },
    { cmd: 'upload-chunk', upload: 'u', data: 'aGk=' },
    { cmd: 'upload-end' },
    { cmd: 'upload-cancel', upload: 5 },
    { cmd: 'settings', relay: '', bootstrap: '' },
    { cmd: 'settings', dht: 'yes' },
    { cmd: 'settings', dht: true, portMapping: 'yes' },
    { cmd: 'settings', dht: true, portMapping: 1 },
    { cmd: 'settings', dht: true, portMapping: null },
    { cmd: 'settings', dht: true, relay: 7 },
  ];
  it.each(invalid)('rejects %j with ERR_BAD_COMMAND', (input) => {
    expect(() => parseAppCommand(input)).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_COMMAND' }),
    );
  });
});

describe('parseAppEvent (every event reaching the renderer)', () => {
  const valid: AppEvent[] = [
    { event: 'app-state', state: 'ready', name: 'Ada', fingerprint: '1 2' },
    { event: 'message', peer: 'p', id: 'i', text: 't', at: 1 },
    { event: 'undelivered', peer: 'p', ids: ['a', 'b'] },
    {
      event: 'peers',
      peers: [
        {
          peer: 'p',
          name: 'n',
          fingerprint: 'f',
          verification: 'code',
          firstSeen: 1,
          lastSeen: 2,
          online: false,
        },
      ],
    },
    { event: 'error', code: 'ERR_INTERNAL', message: 'm' },
    { event: 'settings', dht: true, relay: '', bootstrap: '127.0.0.1:1', portMapping: true },
  ];
  it.each(valid)('accepts $event', (event) => {
    expect(parseAppEvent(event)).toEqual(event);
  });

  it('drops fields that are not in the vocabulary', () => {
    expect(
      parseAppEvent({ event: 'delivered', peer: 'p', id: 'i', html: '<img onerror>' }),
    ).toEqual({
      event: 'delivered',
      peer: 'p',
      id: 'i',
    });
  });

  const invalid: unknown[] = [
    undefined,
    { event: 'nope' },
    { event: 'message', peer: 'p', id: 'i', text: 1, at: 1 },
    { event: 'message', peer: 'p', id: 'i', text: 't' },
    { event: 'message', peer: 'p', id: 'i', text: 't', at: Number.NaN },
    { event: 'typing', peer: 'p', state: 'shouting' },
    { event: 'verified', peer: 'p', verification: 'trust-me' },
    { event: 'app-state', state: 'root' },
    { event: 'undelivered', peer: 'p', ids: [1] },
    { event: 'peers', peers: [{ peer: 'p' }] },
    { event: 'message', peer: 'p', id: 'i', text: 'x'.repeat(64 * 1024 + 1), at: 1 },
    { event: 'settings', dht: true, relay: '', bootstrap: '' },
    { event: 'settings', dht: true, relay: '', bootstrap: '', portMapping: 'on' },
  ];
  it.each(invalid)('rejects %j', (input) => {
    expect(() => parseAppEvent(input)).toThrow(EventError);
  });

  it("is one of core's typed errors, with its stable code", () => {
    let caught: unknown;
    try {
      parseAppEvent({ event: 'app-state', state: 'root' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CryptullyError);
    expect(caught).toMatchObject({ code: 'ERR_BAD_EVENT', name: 'EventError' });
  });
});

describe('the preload API', () => {
  it('sends only validated commands, on the command channel', () => {
    const { ipc, sent } = fakeIpc();
    const api = createPreloadApi(ipc);
    api.send({ cmd: 'send', text: 'hi', sneaky: 1 } as never);
    expect(sent).toEqual([{ channel: IPC_CHANNELS.command, args: [{ cmd: 'send', text: 'hi' }] }]);
    expect(() => api.send({ cmd: 'rm -rf' } as never)).toThrow(/unknown command/);
    expect(sent).toHaveLength(1);
  });

  it('passes valid events to the listener and drops malformed ones', () => {
    const { ipc, sent, emit } = fakeIpc();
    const invalid: Error[] = [];
    const api = createPreloadApi(ipc, (error) => invalid.push(error));
    const seen: AppEvent[] = [];
    const unsubscribe = api.onEvent((event) => seen.push(event));
    expect(sent).toEqual([{ channel: IPC_CHANNELS.subscribe, args: [] }]);
    emit({ event: 'delivered', peer: 'p', id: 'i' });
    emit({ event: 'delivered', peer: 'p' });
    emit('not an object');
    expect(seen).toEqual([{ event: 'delivered', peer: 'p', id: 'i' }]);
    expect(invalid).toHaveLength(2);
    unsubscribe();
    emit({ event: 'delivered', peer: 'p', id: 'j' });
    expect(seen).toHaveLength(1);
  });

  it('exposes nothing but send, onEvent, pathForFile and reveal (no ipcRenderer, no Node)', () => {
    const api = createPreloadApi(fakeIpc().ipc);
    expect(Object.keys(api).sort()).toEqual(['onEvent', 'pathForFile', 'reveal', 'send']);
    expect(() => api.onEvent('x' as never)).toThrow(TypeError);
  });

  it('turns a file into its path through the given function, and never throws', () => {
    const file = { name: 'a.txt' } as File;
    const api = createPreloadApi(
      fakeIpc().ipc,
      () => {},
      (f) => `/home/ada/${f.name}`,
    );
    expect(api.pathForFile?.(file)).toBe('/home/ada/a.txt');
    const broken = createPreloadApi(
      fakeIpc().ipc,
      () => {},
      () => {
        throw new Error('not a file');
      },
    );
    expect(broken.pathForFile?.(file)).toBe('');
  });

  it('sends only a validated reveal request, on its own channel', () => {
    const { ipc, sent } = fakeIpc();
    const api = createPreloadApi(ipc);
    api.reveal?.({ action: 'show', peer: 'p', id: 'i', path: '/etc/passwd' } as never);
    expect(sent).toEqual([
      { channel: IPC_CHANNELS.reveal, args: [{ action: 'show', peer: 'p', id: 'i' }] },
    ]);
    expect(() => api.reveal?.({ action: 'delete', peer: 'p', id: 'i' } as never)).toThrow(
      /reveal.action/,
    );
    expect(sent).toHaveLength(1);
  });
});

describe('upload chunks and reveal requests', () => {
  it('takes a full chunk of base64 and nothing longer', () => {
    const full = Buffer.alloc(MAX_UPLOAD_CHUNK_BYTES, 7).toString('base64');
    expect(parseAppCommand({ cmd: 'upload-chunk', upload: 'u', offset: 0, data: full })).toEqual({
      cmd: 'upload-chunk',
      upload: 'u',
      offset: 0,
      data: full,
    });
    const over = Buffer.alloc(MAX_UPLOAD_CHUNK_BYTES + 3, 7).toString('base64');
    expect(() =>
      parseAppCommand({ cmd: 'upload-chunk', upload: 'u', offset: 0, data: over }),
    ).toThrow(/upload-chunk.data/);
  });

  it('parses a reveal request (a transfer, never a path) and refuses anything else', () => {
    expect(parseRevealRequest({ action: 'open', peer: 'p', id: 'i', path: '/bin/sh' })).toEqual({
      action: 'open',
      peer: 'p',
      id: 'i',
    });
    for (const bad of [
      null,
      [],
      {},
      { action: 'run', peer: 'p', id: 'i' },
      { action: 'show', peer: 'p' },
    ]) {
      expect(() => parseRevealRequest(bad)).toThrow(
        expect.objectContaining({ code: 'ERR_BAD_COMMAND' }),
      );
    }
  });
});
