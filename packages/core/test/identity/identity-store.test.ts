// Protects the identity on disk: created with mode 0600 in a 0700 folder, loaded with the
// passphrase or CRYPTULLY_PASSPHRASE, never overwritten unless asked, and left byte-for-byte
// unchanged by every failure (wrong passphrase, damage, refused overwrite, interrupted write).
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { x25519 } from '../../src/crypto/index.js';
import { encodeIdentityFile } from '../../src/identity/index.js';
import {
  IdentityExistsError,
  IdentityNotFoundError,
  IdentityStore,
  takeEnvPassphrase,
  writeFileAtomic,
} from '../../src/storage/index.js';

const FAST = { N: 2 ** 10, r: 8, p: 1 };
const PASS = 'tr0ub4dor&3';
let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'cryptully-identity-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const store = (env: NodeJS.ProcessEnv = {}) =>
  new IdentityStore(join(home, 'home'), { env, scrypt: FAST });
const mode = async (path: string) => (await stat(path)).mode & 0o777;

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('IdentityStore', () => {
  it('creates an unencrypted identity with mode 0600 in a 0700 folder, and loads it', async () => {
    const s = store();
    expect(await s.exists()).toBe(false);
    const keys = await s.create({ passphrase: '' });
    expect(await s.exists()).toBe(true);
    expect(await mode(s.path)).toBe(0o600);
    expect(await mode(s.home)).toBe(0o700);
    expect(await s.load()).toEqual(keys);
    expect((await s.inspect()).encrypted).toBe(false);
  });

  it('creates an encrypted identity that loads with the passphrase or CRYPTULLY_PASSPHRASE', async () => {
    const keys = await store().create({ passphrase: PASS });
    expect((await store().inspect()).encrypted).toBe(true);
    expect(await store().load(PASS)).toEqual(keys);
    expect(await store({ CRYPTULLY_PASSPHRASE: PASS }).load()).toEqual(keys);
    expect(await codeOf(store().load())).toBe('ERR_IDENTITY_PASSPHRASE_REQUIRED');
  });

  it('creates with CRYPTULLY_PASSPHRASE when no passphrase is given', async () => {
    await store({ CRYPTULLY_PASSPHRASE: PASS }).create();
    expect((await store().inspect()).encrypted).toBe(true);
  });

  it('uses CRYPTULLY_HOME when no home is given', async () => {
    const s = new IdentityStore(undefined, { env: { CRYPTULLY_HOME: join(home, 'env-home') } });
    expect(s.path).toBe(join(home, 'env-home', 'identity.json'));
  });

  it('never replaces an existing identity unless asked', async () => {
    const s = store();
    const keys = await s.create({ passphrase: '' });
    const before = await readFile(s.path);
    await expect(s.create({ passphrase: '' })).rejects.toBeInstanceOf(IdentityExistsError);
    expect(await readFile(s.path)).toEqual(before);
    expect(await s.load()).toEqual(keys);
    const replaced = await s.create({ passphrase: '', overwrite: true });
    expect(await s.load()).toEqual(replaced);
  });

  it('ERR_IDENTITY_NOT_FOUND when there is no identity', async () => {
    await expect(store().load()).rejects.toBeInstanceOf(IdentityNotFoundError);
  });

  it('changes the passphrase (to another, to none, and back)', async () => {
    const s = store();
    const keys = await s.create({ passphrase: PASS });
    await s.changePassphrase(PASS, 'new passphrase');
    expect(await codeOf(s.load(PASS))).toBe('ERR_IDENTITY_WRONG_PASSPHRASE');
    expect(await s.load('new passphrase')).toEqual(keys);
    await s.changePassphrase('new passphrase', undefined);
    expect((await s.inspect()).encrypted).toBe(false);
    expect(await s.load()).toEqual(keys);
    await s.changePassphrase(undefined, PASS);
    expect(await s.load(PASS)).toEqual(keys);
    expect(await mode(s.path)).toBe(0o600);
  });

  it('a wrong old passphrase leaves the file unchanged', async () => {
    const s = store();
    await s.create({ passphrase: PASS });
    const before = await readFile(s.path);
    expect(await codeOf(s.changePassphrase('wrong', 'x'))).toBe('ERR_IDENTITY_WRONG_PASSPHRASE');
    expect(await readFile(s.path)).toEqual(before);
  });

  it('exports and imports (into another home), keeping the passphrase', async () => {
    const s = store();
    const keys = await s.create({ passphrase: PASS });
    const exported = join(home, 'backup', 'me.cryptully-identity.json');
    await s.exportTo(exported);
    expect(await mode(exported)).toBe(0o600);
    expect(await codeOf(s.exportTo(exported))).toBe('ERR_FILE_EXISTS');
    await s.exportTo(exported, { overwrite: true });
    const other = new IdentityStore(join(home, 'other'), { env: {}, scrypt: FAST });
    expect(await codeOf(other.importFrom(exported))).toBe('ERR_IDENTITY_PASSPHRASE_REQUIRED');
    expect(await other.exists()).toBe(false);
    expect(await other.importFrom(exported, { passphrase: PASS })).toEqual(keys);
    expect(await other.load(PASS)).toEqual(keys);
  });

  it('import refuses to replace an identity unless asked, and then keeps a copy of the old one', async () => {
    const s = store();
    await s.create({ passphrase: '' });
    const before = await readFile(s.path);
    const incoming = join(home, 'incoming.json');
    const newKeys = x25519.generateKeyPair();
    await writeFile(incoming, await encodeIdentityFile(newKeys));
    await expect(s.importFrom(incoming)).rejects.toBeInstanceOf(IdentityExistsError);
    expect(await readFile(s.path)).toEqual(before);
    expect(await s.importFrom(incoming, { overwrite: true })).toEqual(newKeys);
    const backups = (await readdir(s.home)).filter((n) => n.startsWith('identity.replaced-'));
    expect(backups).toHaveLength(1);
    expect(await readFile(join(s.home, backups[0]!))).toEqual(before);
    expect(await mode(join(s.home, backups[0]!))).toBe(0o600);
    // And says where it is (`cryptully id` lists it).
    expect(await s.replacedBackups()).toEqual([join(s.home, backups[0]!)]);
  });

  it('lists no old keys when none was replaced, or when the folder does not exist', async () => {
    expect(await store().replacedBackups()).toEqual([]);
    await store().create({ passphrase: '' });
    expect(await store().replacedBackups()).toEqual([]);
  });

  it('refuses a clear identity file swapped in where a passphrase was expected, and leaves it', async () => {
    const s = store({ CRYPTULLY_PASSPHRASE: PASS });
    await s.create();
    expect((await s.inspect()).encrypted).toBe(true);
    // Someone swaps in a clear file holding a key they know.
    const theirs = x25519.generateKeyPair();
    await writeFile(s.path, await encodeIdentityFile(theirs));
    const swapped = await readFile(s.path);
    expect(await codeOf(s.load())).toBe('ERR_IDENTITY_NOT_SEALED');
    expect(await codeOf(s.load(PASS))).toBe('ERR_IDENTITY_NOT_SEALED');
    expect(await codeOf(store().load(PASS))).toBe('ERR_IDENTITY_NOT_SEALED');
    expect(await readFile(s.path)).toEqual(swapped);
    // Without any passphrase a clear file is what it says it is.
    expect(await store().load()).toEqual(theirs);
  });

  it('import of a damaged file fails with its typed error and writes nothing', async () => {
    const s = store();
    const incoming = join(home, 'incoming.json');
    await writeFile(incoming, '{"format":"cryptully-identity","version":1,"publicKey":');
    expect(await codeOf(s.importFrom(incoming))).toBe('ERR_IDENTITY_CORRUPT');
    expect(await s.exists()).toBe(false);
  });

  it('import of something that is not a small regular file is refused without reading it all', async () => {
    // Before, import read the whole path: /dev/zero grew memory without end and a FIFO blocked
    // a libuv thread for ever.
    const big = join(home, 'big.json');
    await writeFile(big, ' '.repeat(1024 * 1024));
    expect(await codeOf(store().importFrom(big))).toBe('ERR_IDENTITY_CORRUPT');
    if (process.platform === 'linux') {
      expect(await codeOf(store().importFrom('/dev/zero'))).toBe('ERR_IDENTITY_CORRUPT');
    }
    const fifo = join(home, 'fifo');
    let haveFifo = true;
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      haveFifo = false;
      console.warn('mkfifo not available: the FIFO case of this test was skipped');
    }
    if (haveFifo) expect(await codeOf(store().importFrom(fifo))).toBe('ERR_IDENTITY_CORRUPT');
    expect(await store().exists()).toBe(false);
  });

  it('every damaged file gives its own typed error and stays byte-for-byte unchanged', async () => {
    const s = store();
    await s.create({ passphrase: PASS });
    const good = await readFile(s.path, 'utf8');
    const flipped = JSON.parse(good);
    const secret = Buffer.from(flipped.secret, 'base64');
    secret[5]! ^= 0xff;
    flipped.secret = secret.toString('base64');
    const cases: Array<[string, string, string | undefined]> = [
      ['truncated', good.slice(0, good.length / 2), PASS],
      ['empty', '', PASS],
      ['flipped byte', JSON.stringify(flipped), PASS],
      ['bad JSON', good.replace('{', '{{'), PASS],
      ['foreign', '{"hello":"world"}', PASS],
      ['newer version', good.replace('"version": 1', '"version": 7'), PASS],
      ['wrong passphrase', good, 'not it'],
      ['no passphrase', good, undefined],
    ];
    const expected: Record<string, string> = {
      truncated: 'ERR_IDENTITY_CORRUPT',
      empty: 'ERR_IDENTITY_CORRUPT',
      'flipped byte': 'ERR_IDENTITY_CORRUPT',
      'bad JSON': 'ERR_IDENTITY_CORRUPT',
      foreign: 'ERR_IDENTITY_FOREIGN',
      'newer version': 'ERR_IDENTITY_NEWER_VERSION',
      'wrong passphrase': 'ERR_IDENTITY_WRONG_PASSPHRASE',
      'no passphrase': 'ERR_IDENTITY_PASSPHRASE_REQUIRED',
    };
    for (const [name, content, passphrase] of cases) {
      await writeFile(s.path, content, { mode: 0o600 });
      expect(await codeOf(s.load(passphrase)), name).toBe(expected[name]);
      // Nor does a passphrase change or an export touch it.
      await codeOf(s.changePassphrase(passphrase, 'other'));
      expect(await readFile(s.path, 'utf8'), name).toBe(content);
    }
  });

  it('survives a crash between the temp write and the rename: the real file is intact', async () => {
    const s = store();
    const keys = await s.create({ passphrase: '' });
    const before = await readFile(s.path);
    // What a crash leaves behind: a temp file (maybe partial) beside the real one.
    await writeFile(join(s.home, '.identity.json.0123456789abcdef.tmp'), '{"format":"cryp');
    expect(await readFile(s.path)).toEqual(before);
    expect(await s.load()).toEqual(keys);
    await s.changePassphrase(undefined, PASS);
    expect(await s.load(PASS)).toEqual(keys);
  });
});

describe('takeEnvPassphrase', () => {
  it('reads CRYPTULLY_PASSPHRASE once and removes it, so a child process never inherits it', () => {
    const env: NodeJS.ProcessEnv = { CRYPTULLY_PASSPHRASE: PASS, OTHER: 'kept' };
    expect(takeEnvPassphrase(env)).toBe(PASS);
    expect(env).toEqual({ OTHER: 'kept' });
    expect(takeEnvPassphrase(env)).toBeUndefined();
    const saved = process.env.CRYPTULLY_PASSPHRASE;
    process.env.CRYPTULLY_PASSPHRASE = PASS;
    try {
      expect(takeEnvPassphrase()).toBe(PASS);
      const seen = execFileSync(process.execPath, [
        '-e',
        'process.stdout.write(String(process.env.CRYPTULLY_PASSPHRASE))',
      ]).toString();
      expect(seen).toBe('undefined');
    } finally {
      if (saved === undefined) delete process.env.CRYPTULLY_PASSPHRASE;
      else process.env.CRYPTULLY_PASSPHRASE = saved;
    }
  });
});

describe('writeFileAtomic', () => {
  it('leaves the target and the folder as they were when the write fails', async () => {
    const dir = join(home, 'atomic');
    await mkdir(dir);
    const target = join(dir, 'target');
    await mkdir(target); // renaming a file over a folder fails
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['target']);
    expect((await stat(target)).isDirectory()).toBe(true);
  });

  it('writes mode 0600 even over a file that was world-readable', async () => {
    const target = join(home, 'loose');
    await writeFile(target, 'old');
    await chmod(target, 0o644);
    await writeFileAtomic(target, 'new');
    expect(await mode(target)).toBe(0o600);
    expect(await readFile(target, 'utf8')).toBe('new');
  });

  it('exclusive writes refuse an existing target without touching it', async () => {
    const target = join(home, 'exists');
    await writeFile(target, 'keep me');
    expect(await codeOf(writeFileAtomic(target, 'x', { exclusive: true }))).toBe('EEXIST');
    expect(await readFile(target, 'utf8')).toBe('keep me');
    expect(await readdir(home)).toEqual(['exists']);
  });
});
