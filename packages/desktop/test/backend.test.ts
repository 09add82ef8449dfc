// Needs the built engine (pnpm build): without it the static import of core-engine fails the
// file, as it should; there is no skip.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenEngine } from '../src/backend/chat-engine.js';
import { openCoreEngine } from '../src/backend/core-engine.js';
import { type BackendOptions, DesktopBackend } from '../src/backend/desktop-backend.js';
import type { AppEvent } from '../src/bridge/app-protocol.js';

let home: string;
const backends: DesktopBackend[] = [];
const savedPassphrase = process.env.CRYPTULLY_PASSPHRASE;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'cryptully-backend-'));
  delete process.env.CRYPTULLY_PASSPHRASE;
});
afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close()));
  rmSync(home, { recursive: true, force: true });
  if (savedPassphrase !== undefined) process.env.CRYPTULLY_PASSPHRASE = savedPassphrase;
});

async function start(
  options: Partial<BackendOptions> = {},
): Promise<{ backend: DesktopBackend; events: AppEvent[] }> {
  const backend = await DesktopBackend.start({ home, openEngine: openCoreEngine, ...options });
  backends.push(backend);
  const events: AppEvent[] = [];
  backend.subscribe((event) => events.push(event));
  return { backend, events };
}

const states = (events: AppEvent[]) =>
  events.flatMap((e) => (e.event === 'app-state' ? [e.state] : []));
const errors = (events: AppEvent[]) => events.flatMap((e) => (e.event === 'error' ? [e.code] : []));

describe('desktop back end on the real chat node', () => {
  it('first run: setup with a name (and passphrase) opens the node', async () => {
    const { backend, events } = await start();
    expect(states(events)).toEqual(['setup']);
    await backend.handle({ cmd: 'send', text: 'too early' });
    expect(errors(events)).toEqual(['ERR_NOT_READY']);
    await backend.handle({ cmd: 'setup', name: 'Ada', passphrase: 'correct horse' });
    expect(backend.phase).toBe('ready');
    const ready = events.find((e) => e.event === 'app-state' && e.state === 'ready');
    expect(ready).toMatchObject({ name: 'Ada', fingerprint: expect.stringMatching(/^\d{5} /) });
  });

  it('a protected identity starts locked; a wrong passphrase says so; the right one unlocks', async () => {
    const first = await start();
    await first.backend.handle({ cmd: 'setup', name: 'Ada', passphrase: 'correct horse' });
    const fingerprintOf = (events: AppEvent[]) =>
      events.flatMap((e) => (e.event === 'app-state' && e.fingerprint ? [e.fingerprint] : []))[0];
    const fingerprint = fingerprintOf(first.events);
    expect(fingerprint).toBeDefined();
    await first.backend.close();

    const { backend, events } = await start();
    expect(states(events)).toEqual(['locked']);
    expect(errors(events)).toEqual([]);
    await backend.handle({ cmd: 'unlock', passphrase: 'wrong' });
    expect(backend.phase).toBe('locked');
    expect(errors(events)).toEqual(['ERR_IDENTITY_WRONG_PASSPHRASE']);
    await backend.handle({ cmd: 'unlock', passphrase: 'correct horse' });
    expect(backend.phase).toBe('ready');
    expect(fingerprintOf(events)).toBe(fingerprint);
  });

  it('a damaged identity file is reported to the person, not mistaken for a passphrase', async () => {
    writeFileSync(join(home, 'profile.json'), JSON.stringify({ name: 'Eve' }));
    writeFileSync(join(home, 'identity.json'), '{"this is": "not an identity"');
    const { events } = await start();
    expect(states(events)).toEqual(['locked']);
    expect(errors(events)).toHaveLength(1);
    expect(errors(events)[0]).toMatch(/^ERR_IDENTITY_/);
    expect(errors(events)[0]).not.toMatch(/PASSPHRASE/);
  });

  it('without a passphrase the next start opens at once', async () => {
    const first = await start();
    await first.backend.handle({ cmd: 'setup', name: 'Bo' });
    await first.backend.close();
    const { events } = await start();
    expect(states(events)).toEqual(['ready']);
  });

  it('replays the state and history to a front end that connects later (a reload)', async () => {
    const { backend } = await start();
    await backend.handle({ cmd: 'setup', name: 'Cy' });
    await backend.handle({ cmd: 'host', port: 0, bind: '127.0.0.1' });
    const late: AppEvent[] = [];
    backend.subscribe((event) => late.push(event));
    expect(late[0]).toMatchObject({ event: 'app-state', state: 'ready', name: 'Cy' });
    expect(late.map((e) => e.event)).toContain('listening');
    // Errors are for the moment they happen: a reload does not show old ones again.
    await backend.handle({ cmd: 'verify', peer: 'nobody' });
    const later: AppEvent[] = [];
    backend.subscribe((event) => later.push(event));
    expect(later.map((e) => e.event)).not.toContain('error');
  });

  it('uses the host defaults (--host-port/--host-bind) when the UI names none', async () => {
    const backend = await DesktopBackend.start({
      home,
      openEngine: openCoreEngine,
      hostDefaults: { port: 0, bind: '127.0.0.1' },
    });
    backends.push(backend);
    const events: AppEvent[] = [];
    backend.subscribe((event) => events.push(event));
    await backend.handle({ cmd: 'setup', name: 'Di' });
    await backend.handle({ cmd: 'host' });
    expect(events.find((e) => e.event === 'listening')).toMatchObject({ host: '127.0.0.1' });
  });

  it('reach settings: refused in the CLI’s words when malformed, saved in desktop-settings.json, shown to every front end after a restart', async () => {
    const { backend, events } = await start();
    const settingsOf = (list: AppEvent[]) => list.filter((e) => e.event === 'settings');
    // Started with the DHT off (CRYPTULLY_NO_DHT in every test): that is what the app shows.
    expect(settingsOf(events)).toEqual([
      { event: 'settings', dht: false, relay: '', bootstrap: '', portMapping: false },
    ]);
    await backend.handle({ cmd: 'settings', dht: true, relay: '', bootstrap: 'nonsense' });
    expect(errors(events)).toEqual(['ERR_BAD_BOOTSTRAP']);
    expect(existsSync(join(home, 'desktop-settings.json'))).toBe(false);
    const relay = 'ab'.repeat(32);
    await backend.handle({ cmd: 'settings', dht: false, relay, bootstrap: '' });
    expect(settingsOf(events).at(-1)).toEqual({
      event: 'settings',
      dht: false,
      relay,
      bootstrap: '',
      portMapping: false,
    });
    await backend.close();

    const again = await start();
    expect(settingsOf(again.events)).toEqual([
      { event: 'settings', dht: false, relay, bootstrap: '', portMapping: false },
    ]);
  });

  it('port mapping: the command line’s choice until one is saved, then the saved one (after a restart too), given to the engine for the next host', async () => {
    // What the engine is given, recorded on the way to core's real ChatNode. The node itself is
    // always told "off": no test may ask the machine's router for anything.
    const given: string[] = [];
    const openRecording: OpenEngine = async (options) => {
      given.push(`open portMapping=${options.portMapping === true}`);
      const engine = await openCoreEngine({ ...options, portMapping: false });
      const real = engine.setPortMapping;
      // The real node has it (the back end's optional call would otherwise do nothing).
      expect(typeof real).toBe('function');
      engine.setPortMapping = (on) => {
        given.push(`set portMapping=${on}`);
        real?.call(engine, false);
      };
      return engine;
    };
    const mappingOf = (list: AppEvent[]) =>
      list.flatMap((e) => (e.event === 'settings' ? [e.portMapping] : []));
    const savedFile = () =>
      JSON.parse(readFileSync(join(home, 'desktop-settings.json'), 'utf8')) as unknown;

    // Nothing saved: the command line's choice (the desktop's default: on).
    const first = await start({ openEngine: openRecording, portMapping: true });
    expect(mappingOf(first.events)).toEqual([true]);
    await first.backend.handle({ cmd: 'setup', name: 'Flo' });
    expect(given).toEqual(['open portMapping=true']);
    await first.backend.handle({
      cmd: 'settings',
      dht: false,
      relay: '',
      bootstrap: '',
      portMapping: false,
    });
    expect(errors(first.events)).toEqual([]);
    expect(mappingOf(first.events)).toEqual([true, false]);
    expect(given).toEqual(['open portMapping=true', 'set portMapping=false']);
    expect(savedFile()).toEqual({ dht: false, relay: '', bootstrap: '', portMapping: false });
    await first.backend.close();

    // Restarted with the command line saying on: the saved "off" wins, and opens the engine.
    const second = await start({ openEngine: openRecording, portMapping: true });
    expect(second.backend.phase).toBe('ready');
    expect(mappingOf(second.events)).toEqual([false]);
    expect(given.at(-1)).toBe('open portMapping=false');
    await second.backend.handle({
      cmd: 'settings',
      dht: false,
      relay: '',
      bootstrap: '',
      portMapping: true,
    });
    expect(given.at(-1)).toBe('set portMapping=true');
    // A front end that does not send the field leaves it as it is.
    await second.backend.handle({ cmd: 'settings', dht: false, relay: '', bootstrap: '' });
    expect(mappingOf(second.events)).toEqual([false, true, true]);
    expect(given.at(-1)).toBe('set portMapping=true');
    expect(savedFile()).toEqual({ dht: false, relay: '', bootstrap: '', portMapping: true });
    await second.backend.close();

    // A file saved before port mapping was a setting: the command line's choice again.
    writeFileSync(
      join(home, 'desktop-settings.json'),
      JSON.stringify({ dht: false, relay: '', bootstrap: '' }),
    );
    const third = await start({ openEngine: openRecording, portMapping: false });
    expect(mappingOf(third.events)).toEqual([false]);
    expect(given.at(-1)).toBe('open portMapping=false');
  });
});
