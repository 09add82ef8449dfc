// Confusable names (UTS #39 skeletons) and the Unicode data they come from.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  confusableKey,
  memoizeByString,
  namesConfusable,
  skeleton,
} from '../../src/identity/confusables.js';
import { CONFUSABLE_LINES } from '../../src/identity/confusables-data.js';

const FILE = new URL('../../unicode/confusables-14.0.0.txt', import.meta.url);

describe('confusables data', () => {
  it('is the shipped subset of confusables.txt 14.0.0, unchanged', () => {
    const bytes = readFileSync(FILE);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      '889ecb7c8057daa79fb52390a6f369015e9e1684e180556165ecc77675585c7f',
    );
    const lines = bytes
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(lines).toHaveLength(6311);
    expect(CONFUSABLE_LINES).toEqual(lines);
    expect(bytes.toString('utf8')).toMatch(/^# Version: 14\.0\.0$/m);
  });
});

describe('skeletons', () => {
  it('maps look-alikes across scripts onto one prototype (UTS #39 §4)', () => {
    expect(skeleton('B\u043eb')).toBe(skeleton('Bob')); // Cyrillic о
    expect(skeleton('\u0410lice')).toBe(skeleton('Alice')); // Cyrillic А
    expect(skeleton('paypa\u0049')).toBe(skeleton('paypal')); // capital I as l
    expect(skeleton('Bo\u200bb')).toBe(skeleton('Bob')); // invisible characters go
    expect(skeleton('Bob')).not.toBe(skeleton('Rob'));
  });

  it('compares names without case, width or spacing, so "B0B" and "bоb" look like "Bob"', () => {
    for (const lookalike of ['B0B', 'b\u043eb', 'Ｂｏｂ', ' Bob ', 'BOB']) {
      expect(namesConfusable(lookalike, 'Bob'), lookalike).toBe(true);
    }
    for (const other of ['Bobby', 'Rob', 'Alice', '']) {
      expect(namesConfusable(other, 'Bob'), other).toBe(false);
    }
    expect(namesConfusable('', '')).toBe(false);
    expect(confusableKey('\u0421\u0430r\u043el')).toBe(confusableKey('Carol'));
  });
});

describe('memoizeByString', () => {
  it('computes each text once and stays right after its memory starts afresh', () => {
    const calls: string[] = [];
    const upper = memoizeByString((text) => {
      calls.push(text);
      return text.toUpperCase();
    });
    expect(upper('bob')).toBe('BOB');
    expect(upper('bob')).toBe('BOB');
    expect(calls).toEqual(['bob']);
    for (let i = 0; i < 20_000; i++) expect(upper(`n${i}`)).toBe(`N${i}`);
    expect(upper('bob')).toBe('BOB');
    expect(calls.length).toBe(20_002);
  });
});
