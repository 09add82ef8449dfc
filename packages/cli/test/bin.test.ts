import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = join(import.meta.dirname, '..', 'dist', 'bin.js');
const { version } = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'),
);

describe('cryptully binary', () => {
  it('prints its version, then the crypto provider in use', async () => {
    const { stdout } = await run(process.execPath, [bin, '--version']);
    const [first, second, ...rest] = stdout.trim().split('\n');
    expect(first).toBe(version);
    expect(second).toMatch(/^crypto: libsodium \(sodium-native \d+\.\d+\.\d+\)$/);
    expect(rest).toEqual([]);
  });

  it('says when CRYPTULLY_CRYPTO=node forces node:crypto', async () => {
    const { stdout } = await run(process.execPath, [bin, '--version'], {
      env: { ...process.env, CRYPTULLY_CRYPTO: 'node' },
    });
    expect(stdout.trim().split('\n')[1]).toBe(
      `crypto: node:crypto (OpenSSL ${process.versions.openssl}) (CRYPTULLY_CRYPTO=node)`,
    );
  });

  it('prints help that names the host and join commands', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    expect(stdout).toMatch(/cryptully host/);
    expect(stdout).toMatch(/cryptully join/);
  });

  it('exits non-zero with one clear sentence on an unknown command', async () => {
    const error = await run(process.execPath, [bin, 'frobnicate']).catch((e) => e);
    expect(error.code).toBe(2);
    expect(error.stderr).toMatch(/unknown command "frobnicate"/);
    expect(error.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
