// The typed error codes are the codes core raises, no more and no less: every `'ERR_…'` literal
// in core's sources is listed, every listed code is raised somewhere, and the codes that end a
// join are the ones the joiner and the join command produce.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JOIN_FAILURES } from '../../src/engine/errors.js';
import {
  ERROR_CODES,
  endsJoin,
  errorCodeOf,
  isErrorCode,
  JOIN_ENDING_CODES,
} from '../../src/protocol/error-codes.js';

const src = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every `'ERR_…'` string literal in core's sources, except the list itself. */
function codesRaisedInSources(): Set<string> {
  const found = new Set<string>();
  for (const file of sourceFiles(src)) {
    if (relative(src, file) === join('protocol', 'error-codes.ts')) continue;
    const code = readFileSync(file, 'utf8');
    for (const match of code.matchAll(/'(ERR_[A-Z0-9_]+)'/g)) found.add(match[1]!);
  }
  return found;
}

describe('ERROR_CODES', () => {
  it('is exactly the set of codes core raises', () => {
    const raised = codesRaisedInSources();
    expect([...raised].filter((c) => !isErrorCode(c)).sort(), 'raised but not listed').toEqual([]);
    expect(
      ERROR_CODES.filter((c) => !raised.has(c)),
      'listed but never raised',
    ).toEqual([]);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('lists, among the codes that end a join, every code of a failed join', () => {
    for (const code of JOIN_ENDING_CODES) expect(isErrorCode(code), code).toBe(true);
    for (const failure of Object.values(JOIN_FAILURES)) {
      expect(endsJoin(failure.code), failure.code).toBe(true);
    }
    for (const code of ['ERR_BAD_ADDRESS', 'ERR_BAD_INVITE', 'ERR_INVITE_EXPIRED', 'ERR_SELF']) {
      expect(endsJoin(code), code).toBe(true);
    }
    // A failed send or a mistaken command does not end a join in progress.
    for (const code of [
      'ERR_NO_SUCH_PEER',
      'ERR_TEXT_TOO_LONG',
      'ERR_BAD_COMMAND',
      'ERR_TIMEOUT',
    ]) {
      expect(endsJoin(code), code).toBe(false);
    }
  });

  it('reads the code of anything thrown, only when it is a core code', () => {
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'ERR_SELF' }))).toBe('ERR_SELF');
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'ERR_USAGE' }))).toBeUndefined();
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 7 }))).toBeUndefined();
    expect(errorCodeOf(null)).toBeUndefined();
    expect(errorCodeOf('ERR_SELF')).toBeUndefined();
  });
});
