// The passphrase in CRYPTULLY_PASSPHRASE is read once and never handed to child processes.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { processIo } from '../src/io.js';

const saved = process.env.CRYPTULLY_PASSPHRASE;
afterEach(() => {
  if (saved === undefined) delete process.env.CRYPTULLY_PASSPHRASE;
  else process.env.CRYPTULLY_PASSPHRASE = saved;
});

describe('processIo', () => {
  it('keeps CRYPTULLY_PASSPHRASE for the CLI and removes it from what children inherit', () => {
    process.env.CRYPTULLY_PASSPHRASE = 'correct horse';
    const io = processIo();
    expect(io.env.CRYPTULLY_PASSPHRASE).toBe('correct horse');
    expect(process.env.CRYPTULLY_PASSPHRASE).toBeUndefined();
    const child = execFileSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.env.CRYPTULLY_PASSPHRASE))',
    ]).toString();
    expect(child).toBe('undefined');
    expect(io.env.PATH).toBe(process.env.PATH);
  });
});
