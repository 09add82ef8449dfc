/**
 * The Windows single executable (release/cryptully-win-x64.exe) under Wine (Debian's wine64):
 * --version, --help, `id create` into %APPDATA%, and a --json chat with the Linux single
 * executable over loopback, typed on the Windows console and ended with Ctrl-C. Wine cannot
 * hand a Unix pipe to a Windows program as its standard stream (Node fails with EBADF), so the
 * Windows side writes to files and reads its console, which tmux provides.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatEvent } from '@cryptully/core/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  binary,
  CLI_VERSION,
  hasTmux,
  type JsonProcess,
  startJsonCommand,
  Tmux,
  waitFor,
  wineLoader,
} from './support/binaries.js';

const windows = binary('win-x64');
const linux = binary('linux-x64');
const wine = wineLoader();
const skip =
  windows.skip ||
  linux.skip ||
  (wine === null ? 'Wine is not installed (apt-get install wine64)' : false) ||
  (hasTmux ? false : 'tmux is not installed');
if (skip && process.env.CI && wine === null) throw new Error('CI must install wine64');
if (skip) console.warn(`the Windows single-executable tests are skipped: ${skip}`);

const tmux = new Tmux();
const folders: string[] = [];
const processes: JsonProcess[] = [];
let prefix = '';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cryptully-wine-'));
  folders.push(dir);
  return dir;
}

/** Wine's environment: a private prefix, no debug chatter. */
function wineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: prefix, WINEPREFIX: prefix, WINEDEBUG: '-all', ...extra };
}

/** Runs the .exe to completion with its output in files; returns the status and both streams. */
function runExe(args: string[], extra: Record<string, string> = {}) {
  const out = join(prefix, 'out.txt');
  const err = join(prefix, 'err.txt');
  const quoted = [windows.file, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const result = spawnSync('sh', ['-c', `${wine} ${quoted} >'${out}' 2>'${err}' </dev/null`], {
    cwd: '/',
    env: wineEnv(extra),
    timeout: 120_000,
  });
  return {
    status: result.status,
    stdout: readFileSync(out, 'utf8'),
    stderr: readFileSync(err, 'utf8'),
  };
}

beforeAll(async () => {
  if (skip) return;
  prefix = await tempDir();
  // A new prefix says Windows 7, which Node 20 refuses: make it Windows 10.
  const made = spawnSync(wine!, ['winecfg', '/v', 'win10'], { env: wineEnv(), timeout: 180_000 });
  if (made.status !== 0) throw new Error(`winecfg failed: ${made.stderr}`);
}, 200_000);

afterAll(async () => {
  tmux.killServer();
  for (const p of processes) p.child.kill();
  if (prefix) spawnSync('wineserver', ['-k'], { env: wineEnv() });
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe.skipIf(skip)('the Windows single executable under Wine', () => {
  it('prints its version and help', () => {
    const version = runExe(['--version']);
    // The win32-x64 sodium-native addon, embedded, unpacked into %LOCALAPPDATA% and loaded.
    expect(version).toMatchObject({
      status: 0,
      stdout: `${CLI_VERSION}\ncrypto: libsodium (sodium-native 5.1.0)\n`,
    });
    const help = runExe(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/cryptully host/);
    expect(help.stdout).toMatch(/cryptully app/);
  });

  it('creates the identity in %APPDATA%\\cryptully', () => {
    const created = runExe(['id', 'create', '--name', 'Wendy'], { CRYPTULLY_PASSPHRASE: '' });
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/Created your identity, Wendy\. Fingerprint: [\d ]+/);
    expect(created.stderr).toMatch(/\\AppData\\Roaming\\cryptully\\identity\.json/);
    const users = join(prefix, 'drive_c', 'users');
    const files = readdirSync(users).map((user) =>
      join(users, user, 'AppData', 'Roaming', 'cryptully', 'identity.json'),
    );
    expect(files.filter((file) => existsSync(file))).toHaveLength(1);
    const shown = runExe(['id']);
    expect(shown.stdout).toMatch(/Wendy/);
  });

  it('chats in --json with the Linux executable over loopback; console input; Ctrl-C quits', async () => {
    const linuxHome = await tempDir();
    const host = startJsonCommand(
      [linux.file, 'host', '--json', '--port', '0', '--bind', '127.0.0.1', '--name', 'Linus'],
      { HOME: linuxHome, CRYPTULLY_PASSPHRASE: '', CRYPTULLY_NO_DHT: '1' },
      '/',
    );
    processes.push(host);
    const { invite } = await host.next('listening', () => true, 20_000);

    const winHome = await tempDir();
    const events = join(winHome, 'events.jsonl');
    tmux.start(
      'win',
      `cd / && env WINEPREFIX=${prefix} WINEDEBUG=-all CRYPTULLY_HOME=${winHome} CRYPTULLY_PASSPHRASE= ${wine} ${windows.file} join '${invite}' --json --name Wendy >${events} 2>${join(winHome, 'stderr.txt')}; echo EXIT=$?; sleep 30`,
      200,
      20,
    );
    const winEvents = (): ChatEvent[] =>
      existsSync(events)
        ? readFileSync(events, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as ChatEvent)
        : [];
    const winNext = (event: ChatEvent['event'], ms = 60_000): Promise<ChatEvent> =>
      waitFor(
        () => winEvents().find((e) => e.event === event),
        ms,
        () => `no ${event} from Windows; got ${JSON.stringify(winEvents())}`,
      );
    const type = (command: unknown) => {
      tmux.keys('win', [JSON.stringify(command)], true);
      tmux.keys('win', ['Enter']);
    };

    const request = await host.next('request', () => true, 60_000);
    expect(request).toMatchObject({ name: 'Wendy', invited: true });
    host.send({ cmd: 'accept', peer: request.peer });
    const connected = await winNext('connected');
    expect(connected).toMatchObject({ name: 'Linus', verification: 'invite' });
    expect((await host.next('connected')).code).toBe((connected as { code: string }).code);

    type({ cmd: 'send', text: 'hello from Windows' });
    expect((await host.next('message', () => true, 30_000)).text).toBe('hello from Windows');
    host.send({ cmd: 'send', peer: request.peer, text: 'hello from Linux' });
    const message = await winNext('message');
    expect(message).toMatchObject({ text: 'hello from Linux' });

    tmux.keys('win', ['C-c']);
    await tmux.waitFor('win', /^EXIT=0$/m, 30_000);
    await host.next('disconnected', () => true, 30_000);
    host.child.stdin.end();
    expect(await host.exit()).toBe(0);
  }, 180_000);
});
