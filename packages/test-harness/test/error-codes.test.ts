// Every error code a front end names (to raise it, or to handle it: the desktop Join panel's
// "this ends the join" check, the CLI's "wrong passphrase" retry, the harness child's default)
// is one core raises or one the front end declares as its own. Issue 11, bug 1: the Join
// panel waited for codes core never emits and missed three it does.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isErrorCode } from '@cryptully/core/protocol';
import { describe, expect, it } from 'vitest';
import { CLI_ERROR_CODES } from '../../cli/src/errors.js';
import { APP_ERROR_CODES } from '../../desktop/src/bridge/app-protocol.js';

const packages = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(path) ? [path] : [];
  });
}

const FRONT_ENDS: Array<{ name: string; own: readonly string[] }> = [
  { name: 'cli', own: CLI_ERROR_CODES },
  { name: 'desktop', own: APP_ERROR_CODES },
  { name: 'test-harness', own: [] },
];

describe('error codes the front ends name', () => {
  it.each(FRONT_ENDS)('$name: core codes, or its own declared ones', ({ name, own }) => {
    const src = join(packages, name, 'src');
    const unknown: string[] = [];
    let named = 0;
    for (const file of sourceFiles(src)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/'(ERR_[A-Z0-9_]+)'/g)) {
        named += 1;
        const code = match[1]!;
        if (!isErrorCode(code) && !own.includes(code))
          unknown.push(`${relative(src, file)}: ${code}`);
      }
    }
    expect(named).toBeGreaterThan(0);
    expect(unknown).toEqual([]);
    expect(
      own.filter((code) => isErrorCode(code)),
      'own codes that are core codes',
    ).toEqual([]);
  });
});
