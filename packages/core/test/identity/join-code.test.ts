import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/index.js';
import {
  generateJoinCode,
  JOIN_CODE_WORDS,
  JoinCodeError,
  joinCodeStrengthBits,
  joinCodeTopic,
  looksLikeJoinCode,
  parseJoinCode,
} from '../../src/identity/index.js';

const listFile = join(import.meta.dirname, '..', '..', 'wordlists', 'eff_short_wordlist_1.txt');

describe('join-code word list', () => {
  it('is the verbatim EFF Short Wordlist 1 without yo-yo', () => {
    const raw = readFileSync(listFile);
    expect(createHash('sha256').update(raw).digest('hex')).toBe(
      '8f5ca830b8bffb6fe39c9736c024a00a6a6411adb3f83a9be8bfeeb6e067ae69',
    );
    const words = raw
      .toString('ascii')
      .trimEnd()
      .split('\n')
      .map((l) => l.split('\t')[1]);
    expect(words).toHaveLength(1296);
    expect(JOIN_CODE_WORDS).toEqual(words.filter((w) => w !== 'yo-yo'));
    expect(new Set(JOIN_CODE_WORDS).size).toBe(1295);
    for (const w of JOIN_CODE_WORDS) expect(w).toMatch(/^[a-z]{3,5}$/);
  });
});

describe('join codes', () => {
  it('generates number-word-word codes that parse back to themselves', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateJoinCode();
      expect(code.text).toMatch(/^([1-9]\d{0,2})-[a-z]+-[a-z]+$/);
      expect(parseJoinCode(code.text)).toEqual(code);
      expect(looksLikeJoinCode(code.text)).toBe(true);
    }
    expect(generateJoinCode(3).words).toHaveLength(3);
  });

  it('uses a fixed random source as documented (rejection sampling)', () => {
    let calls = 0;
    const fixed = (n: number) => new Uint8Array(n).fill(calls++ === 0 ? 0 : 1);
    // 0 -> number 1; 0x01010101 = 16843009 -> 16843009 mod 1295 = 1139.
    const code = generateJoinCode(2, fixed);
    expect(code.number).toBe(1);
    expect(code.words).toEqual([
      JOIN_CODE_WORDS[16843009 % 1295],
      JOIN_CODE_WORDS[16843009 % 1295],
    ]);
  });

  it('accepts case, spaces and dashes, and names what is wrong otherwise', () => {
    expect(parseJoinCode('  7 Acid-ACORN ').text).toBe('7-acid-acorn');
    expect(parseJoinCode('007-acid-acorn-zoom').text).toBe('7-acid-acorn-zoom');
    expect(() => parseJoinCode('7-purple-sausage')).toThrow(
      '"purple" is not a join-code word; check the spelling.',
    );
    expect(() => parseJoinCode('0-acid-acorn')).toThrow('from 1 to 999');
    expect(() => parseJoinCode('acid-acorn')).toThrow(JoinCodeError);
    expect(() => parseJoinCode('7-acid')).toThrow(
      expect.objectContaining({ code: 'ERR_JOIN_CODE_INVALID' }),
    );
    expect(looksLikeJoinCode('7-purple-sausage')).toBe(true);
    expect(looksLikeJoinCode('127.0.0.1:7000')).toBe(false);
    expect(looksLikeJoinCode('cryptully:invite:abc')).toBe(false);
  });

  it('states its strength and derives a topic from the number only', () => {
    expect(joinCodeStrengthBits(2)).toBeCloseTo(20.68, 2);
    expect(JOIN_CODE_WORDS.length ** 2).toBe(1_677_025);
    // The worked example of docs/protocol-verification.md §1.3.
    const doc = readFileSync(
      join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'protocol-verification.md'),
      'utf8',
    );
    const example = /<!-- example: topic 7 -->\n```text\ntopic\(7\) = ([0-9a-f]{64})\n```/.exec(
      doc,
    );
    expect(example?.[1]).toBe(toHex(joinCodeTopic(7)));
    expect(toHex(joinCodeTopic(7))).not.toBe(toHex(joinCodeTopic(8)));
    expect(joinCodeTopic(7)).toHaveLength(32);
  });
});
