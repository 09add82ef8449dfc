/**
 * @cryptully/core and @cryptully/cli as npm publishes them: `pnpm pack` makes the tarballs
 * (workspace versions replaced by real ones), `npm install -g` puts them into an empty prefix
 * (blessed comes from the registry), and the installed `cryptully` prints its version and
 * chats in --json with the source build over loopback.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../src/drivers/paths.js';
import { CLI_VERSION, type JsonProcess, SOURCE_BIN, startJsonCommand } from './support/binaries.js';

const run = promisify(execFile);
const folders: string[] = [];
const processes: JsonProcess[] = [];
let installed = '';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cryptully-npm-'));
  folders.push(dir);
  return dir;
}

/** The files a tarball holds (tar's listing). */
async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['tzf', tarball]);
  return stdout.split('\n').filter(Boolean);
}

let tarballs: string[] = [];

beforeAll(async () => {
  const packs = await tempDir();
  for (const pkg of ['core', 'cli']) {
    await run('pnpm', ['pack', '--pack-destination', packs], { cwd: repoPath('packages', pkg) });
  }
  tarballs = readdirSync(packs).map((name) => join(packs, name));
  const prefix = await tempDir();
  await run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      // A registry request that stalls is retried after 30 s instead of npm's default 5 min,
      // which outlasts this hook. (The CI time-out this was added for had another cause: turbo
      // hid NODE_EXTRA_CA_CERTS from the test, so every request failed its TLS check and was
      // retried; turbo.json now passes the CA and proxy variables through.)
      '--fetch-timeout=30000',
      '--fetch-retries=4',
      ...tarballs,
    ],
    { env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 8 * 1024 * 1024 },
  );
  installed = join(prefix, 'bin', 'cryptully');
}, 240_000);

afterAll(async () => {
  for (const p of processes) p.child.kill();
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe('the npm packages', () => {
  it('hold the built code, a README and no build leftovers', async () => {
    expect(tarballs.map((file) => file.split('/').at(-1)).sort()).toEqual([
      `cryptully-cli-${CLI_VERSION}.tgz`,
      expect.stringMatching(/^cryptully-core-\d+\.\d+\.\d+\.tgz$/),
    ]);
    for (const tarball of tarballs) {
      const files = await tarballFiles(tarball);
      expect(files).toContain('package/README.md');
      expect(files).toContain('package/package.json');
      expect(files.some((file) => file.endsWith('.tsbuildinfo'))).toBe(false);
      expect(
        files.every((file) =>
          /^package\/(dist\/|wordlists\/|unicode\/|README\.md|package\.json|LICENSE)/.test(file),
        ),
      ).toBe(true);
    }
  });

  it('install with npm -g into an empty prefix and print the version', async () => {
    const { stdout } = await run(installed, ['--version']);
    expect(stdout.split('\n')[0]).toBe(CLI_VERSION);
    expect(stdout).toMatch(/^crypto: libsodium \(sodium-native /m);
    const app = await run(installed, ['app']).catch((error) => error);
    expect(app.code).toBe(1);
    expect(app.stderr).toMatch(/^cryptully: the browser app is not part of this install: .+\.\n$/);
  });

  it('chat in --json with the source build over loopback', async () => {
    const env = (home: string) => ({
      PATH: process.env.PATH,
      CRYPTULLY_HOME: home,
      CRYPTULLY_PASSPHRASE: '',
      // Tests never reach the public DHT or the machine's router.
      CRYPTULLY_NO_DHT: '1',
      CRYPTULLY_NO_PORT_MAPPING: '1',
    });
    const host = startJsonCommand(
      [installed, 'host', '--json', '--port', '0', '--bind', '127.0.0.1', '--name', 'Nina'],
      env(await tempDir()),
    );
    processes.push(host);
    const { invite } = await host.next('listening', () => true, 20_000);
    const joiner = startJsonCommand(
      [process.execPath, SOURCE_BIN, 'join', invite, '--json', '--name', 'Sam'],
      env(await tempDir()),
    );
    processes.push(joiner);
    const request = await host.next('request', () => true, 20_000);
    host.send({ cmd: 'accept', peer: request.peer });
    const [a, b] = await Promise.all([host.next('connected'), joiner.next('connected')]);
    expect(a.code).toBe(b.code);
    joiner.send({ cmd: 'send', text: 'from the source build' });
    expect((await host.next('message')).text).toBe('from the source build');
    host.send({ cmd: 'send', peer: request.peer, text: 'from the npm install' });
    expect((await joiner.next('message')).text).toBe('from the npm install');
    joiner.send({ cmd: 'quit' });
    expect(await joiner.exit()).toBe(0);
    host.child.stdin.end();
    expect(await host.exit()).toBe(0);
  }, 60_000);
});
