/**
 * The Linux single executable (release/cryptully-linux-x64) as a friend would run it: from `/`,
 * with `env -i` and an empty home (no Node, no node_modules), in a real terminal (tmux), against
 * the source build (`node packages/cli/dist/bin.js`).
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  binary,
  CLI_VERSION,
  hasTmux,
  type JsonProcess,
  SOURCE_BIN,
  startJsonCommand,
  Tmux,
  waitFor,
} from './support/binaries.js';

const run = promisify(execFile);
const linux = binary('linux-x64');
const skip = linux.skip || (hasTmux ? false : 'tmux is not installed');
if (skip) console.warn(`the Linux single-executable tests are skipped: ${skip}`);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
if (!existsSync(CHROMIUM))
  console.warn(`Chromium is not at ${CHROMIUM}: "cryptully app" is not tested`);

const tmux = new Tmux();
const folders: string[] = [];
const processes: JsonProcess[] = [];
afterAll(async () => {
  tmux.killServer();
  for (const p of processes) p.child.kill();
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function emptyHome(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cryptully-bin-home-'));
  folders.push(dir);
  return dir;
}

/**
 * The binary in a shell line: from /, with nothing in the environment but what a terminal
 * sets (HOME, TERM and a UTF-8 locale; without one blessed draws ASCII, which works too).
 */
function inTerminal(home: string, args: string): string {
  return `cd / && env -i HOME=${home} CRYPTULLY_NO_DHT=1 CRYPTULLY_NO_PORT_MAPPING=1 TERM=xterm-256color LANG=C.UTF-8 NCURSES_NO_UTF8_ACS=1 ${linux.file} ${args}; echo EXIT=$?; sleep 30`;
}

/** The source build with --json, its own home. */
async function sourceJson(args: string[]): Promise<JsonProcess> {
  const home = await emptyHome();
  const p = startJsonCommand([process.execPath, SOURCE_BIN, ...args], {
    PATH: process.env.PATH,
    CRYPTULLY_HOME: home,
    CRYPTULLY_PASSPHRASE: '',
    CRYPTULLY_NO_DHT: '1',
    NO_COLOR: '1',
  });
  processes.push(p);
  return p;
}

/** Presses `keys` until the screen shows `done` (a request dialog ignores keys for a moment). */
async function pressUntil(session: string, keys: string[], done: RegExp): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt++) {
    tmux.keys(session, keys);
    try {
      await tmux.waitFor(session, done, 300);
      return;
    } catch {
      // still arming
    }
  }
  throw new Error(`${session} never showed ${done}`);
}

describe.skipIf(skip)('the Linux single executable', () => {
  it('prints its version and help from / with an empty environment', async () => {
    const home = await emptyHome();
    const env = { HOME: home };
    const version = await run(linux.file, ['--version'], { cwd: '/', env });
    // The second line proves the embedded sodium-native addon was unpacked, checked and loaded.
    expect(version.stdout).toBe(`${CLI_VERSION}\ncrypto: libsodium (sodium-native 5.1.0)\n`);
    expect(version.stderr).toBe('');
    const help = await run(linux.file, ['--help'], { cwd: '/', env });
    expect(help.stdout).toMatch(/cryptully host/);
    expect(help.stdout).toMatch(/cryptully join/);
    expect(help.stdout).toMatch(/cryptully app/);
    // Where the addon cannot be unpacked: one sentence, and node:crypto instead.
    writeFileSync(join(home, 'blocker'), 'a file where the cache folder would go');
    const blocked = await run(linux.file, ['--version'], {
      cwd: '/',
      env: { ...env, CRYPTULLY_CACHE: join(home, 'blocker', 'cache') },
    });
    expect(blocked.stdout).toMatch(/^crypto: node:crypto/m);
    expect(blocked.stderr).toMatch(
      /^cryptully: could not load the built-in sodium-native \(.+\), so cryptully carries on without it\.\n$/,
    );
    const wrong = await run(linux.file, ['frobnicate'], { cwd: '/', env }).catch((e) => e);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^cryptully: unknown command "frobnicate"/);
  });

  it('typed alone it opens the home screen; Join a chat with an invite, chat both ways, quit', async () => {
    const host = await sourceJson([
      'host',
      '--json',
      '--port',
      '0',
      '--bind',
      '127.0.0.1',
      '--name',
      'Bob',
    ]);
    const { invite } = await host.next('listening');
    const home = await emptyHome();
    tmux.start('alice', inTerminal(home, ''), 120, 30);
    await tmux.waitFor('alice', /Host a chat/);
    expect(tmux.capture('alice')).toMatch(/Join a chat/);
    tmux.keys('alice', ['Down', 'Enter']);
    await tmux.waitFor('alice', /Paste the invite your friend sent you/);
    tmux.keys('alice', [invite], true);
    tmux.keys('alice', ['Enter']);
    await tmux.waitFor('alice', /What name should your friends see\?/);
    tmux.keys('alice', ['Alice'], true);
    tmux.keys('alice', ['Enter']);
    await tmux.waitFor('alice', /Passphrase \(press Enter for none\)/);
    tmux.keys('alice', ['Enter']);
    const request = await host.next('request');
    expect(request).toMatchObject({ name: 'Alice', invited: true });
    host.send({ cmd: 'accept', peer: request.peer });
    await tmux.waitFor('alice', /Bob │ connected on your network │ verified by invite/);

    tmux.keys('alice', ['hello from the single file'], true);
    tmux.keys('alice', ['Enter']);
    expect((await host.next('message')).text).toBe('hello from the single file');
    await tmux.waitFor('alice', /You: hello from the single file ✓✓/);
    host.send({ cmd: 'send', peer: request.peer, text: 'hi Alice, source build here' });
    await tmux.waitFor('alice', /\d\d:\d\d Bob: hi Alice, source build here/);

    tmux.keys('alice', ['/quit'], true);
    tmux.keys('alice', ['Enter']);
    await tmux.waitFor('alice', /^EXIT=0$/m);
    await host.next('disconnected');
    host.child.stdin.end();
    expect(await host.exit()).toBe(0);
  }, 90_000);

  it('hosts in the terminal UI; the source build joins by invite; chat both ways; Ctrl-C quits', async () => {
    const home = await emptyHome();
    tmux.start('host', inTerminal(home, 'host --port 0 --bind 127.0.0.1 --name Alice'), 220, 30);
    await tmux.waitFor('host', /Passphrase \(press Enter for none\)/);
    tmux.keys('host', ['Enter']);
    const [invite] = await tmux.waitFor('host', /cryptully:\/\/join\/[A-Za-z0-9_-]+/);
    const bob = await sourceJson(['join', invite, '--json', '--name', 'Bob']);
    await tmux.waitFor('host', /Bob wants to chat with you\./);
    await pressUntil('host', ['a'], /Bob │ connected/);
    expect((await bob.next('connected')).verification).toBe('invite');

    bob.send({ cmd: 'send', text: 'hi from the source build 😀' });
    await tmux.waitFor('host', /\d\d:\d\d Bob: hi from the source build 😀/);
    tmux.keys('host', ['hello Bob'], true);
    tmux.keys('host', ['Enter']);
    expect((await bob.next('message')).text).toBe('hello Bob');

    tmux.keys('host', ['C-c']);
    await tmux.waitFor('host', /^EXIT=0$/m);
    await bob.next('disconnected');
    bob.send({ cmd: 'quit' });
    expect(await bob.exit()).toBe(0);
  }, 90_000);

  it.skipIf(!existsSync(CHROMIUM))(
    '"cryptully app" opens the default browser at the one-time address, and the app works there',
    async () => {
      const home = await emptyHome();
      // The desktop's opener (xdg-open) is played by a script that notes the address it is given.
      const opened = join(home, 'opened.txt');
      writeFileSync(join(home, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
      chmodSync(join(home, 'xdg-open'), 0o755);
      const app = spawn(linux.file, ['app'], {
        cwd: '/',
        env: { HOME: home, PATH: `${home}:/usr/bin:/bin`, CRYPTULLY_NO_DHT: '1' },
      });
      let stdout = '';
      app.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      const exited = new Promise<number | null>((resolve) => app.on('exit', resolve));
      try {
        const url = await waitFor(
          () => (existsSync(opened) ? readFileSync(opened, 'utf8') : undefined) || undefined,
          30_000,
          () => `the browser was never opened; stdout: ${stdout}`,
        );
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#/);
        expect(stdout).toContain(url);
        const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
        try {
          const page = await browser.newPage();
          await page.goto(url);
          await page.getByLabel('Your name').fill('Uma');
          await page.getByRole('button', { name: 'Continue' }).click();
          await page.getByRole('heading', { name: 'Hello, Uma' }).waitFor({ timeout: 30_000 });
        } finally {
          await browser.close();
        }
      } finally {
        app.kill('SIGINT');
      }
      expect(await exited).toBe(0);
    },
    90_000,
  );
});
