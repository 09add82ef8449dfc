// Protects where files live (CRYPTULLY_HOME first, then each OS's data folder) and the
// profile file (validated name, atomic write, mode 0600, damage reported).
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BadNameError,
  cryptullyHome,
  identityPath,
  ProfileCorruptError,
  ProfileStore,
} from '../../src/storage/index.js';

describe('cryptullyHome', () => {
  const linux = { platform: 'linux', homeDir: '/home/u' } as const;
  it('prefers CRYPTULLY_HOME', () => {
    expect(cryptullyHome({ CRYPTULLY_HOME: '/x/y' }, linux)).toBe('/x/y');
  });
  it('uses $XDG_DATA_HOME, else ~/.local/share, on Linux', () => {
    expect(cryptullyHome({ XDG_DATA_HOME: '/data' }, linux)).toBe('/data/cryptully');
    expect(cryptullyHome({}, linux)).toBe('/home/u/.local/share/cryptully');
    expect(cryptullyHome({ XDG_DATA_HOME: 'relative' }, linux)).toBe(
      '/home/u/.local/share/cryptully',
    );
  });
  it('uses Application Support on macOS and %APPDATA% on Windows', () => {
    expect(cryptullyHome({}, { platform: 'darwin', homeDir: '/Users/u' })).toBe(
      '/Users/u/Library/Application Support/cryptully',
    );
    expect(
      cryptullyHome({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, { platform: 'win32' }),
    ).toBe('C:\\Users\\u\\AppData\\Roaming\\cryptully');
  });
  it('puts the identity at <home>/identity.json', () => {
    expect(identityPath('/h')).toBe('/h/identity.json');
  });
});

describe('ProfileStore', () => {
  let home: string;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'cryptully-profile-'));
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('has no profile at first, then saves and loads { name } with mode 0600', async () => {
    const store = new ProfileStore(home);
    expect(await store.load()).toBeUndefined();
    await store.save({ name: '  Zoë  ' });
    expect(await store.load()).toEqual({ name: 'Zoë' });
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  });

  it('refuses empty, overlong and control-character names', async () => {
    const store = new ProfileStore(home);
    for (const name of ['', '   ', 'x'.repeat(65), 'a\u0007b']) {
      await expect(store.save({ name })).rejects.toBeInstanceOf(BadNameError);
    }
  });

  it('reports a damaged profile', async () => {
    const store = new ProfileStore(home);
    for (const text of ['{', '{"name":42}', 'null', '{"name":""}']) {
      await writeFile(store.path, text);
      await expect(store.load(), text).rejects.toBeInstanceOf(ProfileCorruptError);
    }
  });
});
