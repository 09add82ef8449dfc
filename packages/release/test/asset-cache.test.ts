import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AssetCache,
  type AssetManifest,
  type AssetSource,
  buildFolderName,
  cacheBase,
  sha256Hex,
} from '../src/index.js';

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cryptully-assets-'));
  folders.push(dir);
  return dir;
}

function source(files: Record<string, string>, tamper: Record<string, string> = {}): AssetSource {
  const manifest: AssetManifest = {
    version: '9.9.9',
    target: 'linux-x64',
    assets: Object.fromEntries(
      Object.entries(files).map(([key, text]) => [
        key,
        { sha256: sha256Hex(Buffer.from(text)), size: Buffer.byteLength(text) },
      ]),
    ),
  };
  return { manifest, read: (key) => Buffer.from(tamper[key] ?? files[key] ?? '') };
}

describe('the executable asset cache', () => {
  it('unpacks a file once into a folder named by version, target and manifest digest', async () => {
    const base = await tempDir();
    const src = source({ 'blessed/usr/xterm': 'terminfo bytes', 'renderer/index.html': '<p>' });
    const cache = new AssetCache(src, base);
    expect(cache.root).toBe(join(base, buildFolderName(src.manifest)));
    expect(buildFolderName(src.manifest)).toMatch(/^9\.9\.9-linux-x64-[0-9a-f]{12}$/);
    const file = cache.file('blessed/usr/xterm');
    expect(await readFile(file, 'utf8')).toBe('terminfo bytes');
    expect(cache.folder('renderer')).toBe(join(cache.root, 'renderer'));
    expect(await readFile(join(cache.root, 'renderer', 'index.html'), 'utf8')).toBe('<p>');
  });

  it('rewrites a cached file whose content no longer matches its hash', async () => {
    const base = await tempDir();
    const cache = new AssetCache(source({ 'addons/x/x.node': 'the real addon' }), base);
    const file = cache.file('addons/x/x.node');
    await writeFile(file, 'planted by someone else');
    expect(cache.file('addons/x/x.node')).toBe(file);
    expect(await readFile(file, 'utf8')).toBe('the real addon');
  });

  it('refuses an embedded file that differs from the manifest, and an unknown key', async () => {
    const base = await tempDir();
    const cache = new AssetCache(source({ a: 'expected' }, { a: 'damaged' }), base);
    expect(() => cache.file('a')).toThrow(expect.objectContaining({ code: 'ERR_ASSET_MISMATCH' }));
    expect(() => cache.file('b')).toThrow(expect.objectContaining({ code: 'ERR_ASSET_MISSING' }));
  });

  it('says the cache folder cannot be written, with a code and without a stack in the message', async () => {
    const base = await tempDir();
    const blocker = join(base, 'a-file');
    await writeFile(blocker, 'not a folder');
    const cache = new AssetCache(source({ a: 'x' }), join(blocker, 'cache'));
    expect(() => cache.file('a')).toThrow(
      expect.objectContaining({
        code: 'ERR_ASSET_UNWRITABLE',
        message: expect.stringMatching(/^cannot write a to /),
      }),
    );
  });
});

describe('the cache folder of each platform', () => {
  const tmp = '/tmp';
  it('follows each platform convention, CRYPTULLY_CACHE first', () => {
    expect(cacheBase({ platform: 'linux', env: {}, home: '/home/a', tmp })).toBe(
      '/home/a/.cache/cryptully',
    );
    expect(
      cacheBase({ platform: 'linux', env: { XDG_CACHE_HOME: '/x' }, home: '/home/a', tmp }),
    ).toBe('/x/cryptully');
    expect(cacheBase({ platform: 'linux', env: { XDG_CACHE_HOME: 'rel' }, home: '/h', tmp })).toBe(
      '/h/.cache/cryptully',
    );
    expect(cacheBase({ platform: 'darwin', env: {}, home: '/Users/a', tmp })).toBe(
      '/Users/a/Library/Caches/cryptully',
    );
    expect(
      cacheBase({
        platform: 'win32',
        env: { LOCALAPPDATA: 'C:\\Users\\a\\AppData\\Local' },
        home: 'C:\\Users\\a',
        tmp,
      }),
    ).toBe('C:\\Users\\a\\AppData\\Local\\cryptully\\cache');
    expect(cacheBase({ platform: 'linux', env: { CRYPTULLY_CACHE: '/c' }, home: '/h', tmp })).toBe(
      '/c',
    );
    expect(cacheBase({ platform: 'linux', env: {}, home: '', tmp })).toBe('/tmp/cryptully-cache');
  });
});
