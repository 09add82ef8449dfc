import { readdirSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { x25519 } from '@cryptully/core/crypto';
import { emptyKnownPeers, encodeInvite, rememberPeer } from '@cryptully/core/identity';
import { KnownPeersStore } from '@cryptully/core/storage';
import { afterAll, describe, expect, it } from 'vitest';
import { timingOptions } from '../src/commands/chat.js';
import type { CliIo } from '../src/io.js';
import { main } from '../src/main.js';
import { cleanup, tempHome } from './helpers/json-process.js';

const folders: string[] = [];
afterAll(() => cleanup(folders));

async function home(): Promise<string> {
  const folder = await tempHome();
  folders.push(folder);
  return folder;
}

/** Runs `cryptully <argv>` in-process without a terminal; returns status and output. */
async function run(argv: string[], env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const io: CliIo = { stdin: new PassThrough(), stdout, stderr, env, interactive: false };
  const status = await main(argv, io);
  return { status, out, err };
}

const oneSentence = (text: string) => {
  expect(text).toMatch(/^cryptully: [^\n]+\n$/);
  expect(text).not.toMatch(/\bat .*:\d+:\d+/);
};

describe('cryptully id', () => {
  it('says where old keys replaced by an import are kept, so they can be deleted', async () => {
    const folder = await home();
    const env = { CRYPTULLY_HOME: folder, CRYPTULLY_PASSPHRASE: '' };
    await run(['id', 'create', '--name', 'Alice'], env);
    expect((await run(['id'], env)).out).not.toMatch(/Old key kept/);
    const { IdentityStore } = await import('@cryptully/core/storage');
    const exported = `${await home()}/other.json`;
    const other = new IdentityStore(await home(), { env: {} });
    await other.create({ passphrase: '' });
    await other.exportTo(exported);
    await new IdentityStore(folder, { env: {} }).importFrom(exported, { overwrite: true });
    const shown = (await run(['id'], env)).out;
    expect(shown).toMatch(new RegExp(`Old key kept: ${folder}/identity\\.replaced-[^\\n]+\\.json`));
    expect(shown).toMatch(/Delete it once you are sure/);
  });

  it('explains how to get an identity when there is none', async () => {
    const env = { CRYPTULLY_HOME: await home() };
    const result = await run(['id'], env);
    expect(result.status).toBe(1);
    oneSentence(result.err);
    expect(result.err).toMatch(/no identity yet: run "cryptully id create"/);
  });

  it('creates, shows, exports and imports an identity, refusing to overwrite', async () => {
    const env = { CRYPTULLY_HOME: await home() };
    expect((await run(['id', 'create'], env)).err).toMatch(/--name NAME/);
    const created = await run(['id', 'create', '--name', 'Alice'], env);
    expect(created.status).toBe(0);
    expect(created.err).toMatch(
      /without a passphrase.*anyone who copies the file can pretend to be you/,
    );
    const fingerprint = /Fingerprint: ([\d ]+)/.exec(created.out)![1]!;
    const shown = await run(['id'], env);
    expect(shown.out).toContain('Name:         Alice');
    expect(shown.out).toContain(`Fingerprint:  ${fingerprint}`);
    expect((await run(['id', 'create', '--name', 'Again'], env)).status).toBe(1);

    const file = `${env.CRYPTULLY_HOME}/exported.json`;
    expect((await run(['id', 'export', file], env)).status).toBe(0);
    const again = await run(['id', 'export', file], env);
    expect(again.status).toBe(1);
    expect(again.err).toMatch(/already exists/);

    const other = { CRYPTULLY_HOME: await home() };
    const imported = await run(['id', 'import', file, '--name', 'Alice2'], other);
    expect(imported.status).toBe(0);
    expect((await run(['id'], other)).out).toContain(fingerprint);
  });

  it('changes the passphrase from the environment, and a wrong one is one sentence', async () => {
    const env = { CRYPTULLY_HOME: await home() };
    await run(['id', 'create', '--name', 'Alice'], env);
    const changed = await run(['id', 'passphrase'], { ...env, CRYPTULLY_NEW_PASSPHRASE: 'pw' });
    expect(changed.out).toMatch(/passphrase was changed/);
    expect((await run(['id'], env)).out).toMatch(/Passphrase: +yes/);
    const wrong = await run(['id', 'passphrase'], {
      ...env,
      CRYPTULLY_PASSPHRASE: 'nope',
      CRYPTULLY_NEW_PASSPHRASE: '',
    });
    expect(wrong.status).toBe(1);
    oneSentence(wrong.err);
    expect(wrong.err).toMatch(/Wrong passphrase/);
  }, 20_000);
});

describe('cryptully peers', () => {
  it('lists, refuses to verify without a terminal, and forgets known peers', async () => {
    const env = { CRYPTULLY_HOME: await home() };
    expect((await run(['peers'], env)).out).toBe('You have not chatted with anyone yet.\n');
    const store = new KnownPeersStore(env.CRYPTULLY_HOME);
    const { publicKey } = x25519.generateKeyPair();
    await store.save(
      rememberPeer(emptyKnownPeers(), { publicKey, name: 'Bob', now: Date.UTC(2026, 0, 2) }),
    );
    const listed = await run(['peers'], env);
    expect(listed.out).toMatch(
      /^Bob {2}\(peer id [0-9a-f]+\)\n {2}not verified; last seen 2026-01-02/,
    );
    const verify = await run(['peers', 'verify', 'bob'], env);
    expect(verify.status).toBe(1);
    expect(verify.err).toMatch(/needs a terminal/);
    expect((await run(['peers', 'forget', 'carol'], env)).err).toMatch(/no friend called "carol"/);
    expect((await run(['peers', 'forget', 'Bob'], env)).out).toMatch(/Forgot Bob/);
    expect((await run(['peers'], env)).out).toMatch(/not chatted with anyone/);
  });
});

describe('timing overrides for tests', () => {
  it('reads CRYPTULLY_KEEPALIVE_MS, _IDLE_TIMEOUT_MS and _HANDSHAKE_TIMEOUT_MS, refusing nonsense', async () => {
    expect(
      timingOptions({
        CRYPTULLY_KEEPALIVE_MS: '200',
        CRYPTULLY_IDLE_TIMEOUT_MS: '900',
        CRYPTULLY_HANDSHAKE_TIMEOUT_MS: '',
      }),
    ).toEqual({ keepAliveMs: 200, idleTimeoutMs: 900 });
    const env = { CRYPTULLY_HOME: await home(), CRYPTULLY_KEEPALIVE_MS: 'soon' };
    const result = await run(['host', '--json', '--name', 'A'], env);
    expect(result.status).toBe(1);
    expect(result.err).toMatch(
      /cryptully: CRYPTULLY_KEEPALIVE_MS must be a whole number of milliseconds, not "soon"\.\n$/,
    );
    expect(result.out).toBe('');
  });
});

describe('cryptully join checks its target first', () => {
  const expired = encodeInvite({
    version: 1,
    addresses: ['127.0.0.1'],
    port: 7677,
    hostPublicKey: new Uint8Array(32).fill(7),
    secret: new Uint8Array(32).fill(9),
    expiresAt: Math.floor(Date.now() / 1000) - 60,
  });
  const cases: Array<[string, string, string, RegExp]> = [
    ['a mangled invite', 'cryptully://join/AQCnuwAAAABrCVI', 'ERR_BAD_INVITE', /invite/],
    ['an expired invite', expired, 'ERR_INVITE_EXPIRED', /expired/],
    ['an impossible address', '127.0.0.1:99999', 'ERR_BAD_ADDRESS', /./],
  ];
  it.each(cases)(
    '%s: one sentence, exit 1, no identity created and no name asked',
    async (_what, target, code, words) => {
      const folder = await home();
      // No --name: a valid target would fail later for want of a name; this must fail first.
      const plain = await run(['join', target, '--plain'], { CRYPTULLY_HOME: folder });
      expect(plain.status).toBe(1);
      oneSentence(plain.err);
      expect(plain.err).toMatch(words);
      expect(plain.out).toBe('');
      const json = await run(['join', target, '--json', '--name', 'Bob'], {
        CRYPTULLY_HOME: folder,
      });
      expect(json.status).toBe(1);
      oneSentence(json.err);
      expect(JSON.parse(json.out)).toMatchObject({ event: 'error', code });
      expect(readdirSync(folder)).toEqual([]);
    },
  );
});

describe('other commands', () => {
  it('cryptully invite explains /invite', async () => {
    const result = await run(['invite'], {});
    expect(result.status).toBe(0);
    expect(result.out).toMatch(/type \/invite/);
    expect(result.out).toMatch(/\{"cmd":"invite"\}/);
  });

  it('cryptully help <command> shows that command, and usage errors exit 2', async () => {
    expect((await run(['help', 'join'], {})).out).toMatch(/^cryptully join:/);
    const bad = await run(['join', '--port', '1', 'x'], {});
    expect(bad.status).toBe(2);
    oneSentence(bad.err);
  });
});
