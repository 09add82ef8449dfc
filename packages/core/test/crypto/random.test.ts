// Random bytes: the caller's own copy for secrets, and pooled hex for public ids (message ids).
import { describe, expect, it } from 'vitest';
import { randomBytes, randomPublicHex } from '../../src/crypto/index.js';
import { newMessageId } from '../../src/session/session.js';

describe('random', () => {
  it('gives fresh bytes of the asked length', () => {
    expect(randomBytes(32)).toHaveLength(32);
    expect(Buffer.from(randomBytes(32)).equals(Buffer.from(randomBytes(32)))).toBe(false);
  });

  it('hands out pooled public hex ids once each, across many pool refills', () => {
    const ids = new Set<string>();
    // 8 bytes each: 512 ids per 4 KiB pool, so this crosses about 40 refills.
    for (let i = 0; i < 20_000; i++) {
      const id = newMessageId();
      expect(id).toMatch(/^[0-9a-f]{16}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(20_000);
    // Odd lengths that do not divide the pool, and one larger than the pool.
    for (const length of [1, 7, 13, 4095, 4097]) {
      expect(randomPublicHex(length)).toMatch(new RegExp(`^[0-9a-f]{${2 * length}}$`));
    }
  });

  it('does not repeat bytes at a pool boundary', () => {
    // Drain to an unknown offset, then read well past two refills in 13-byte steps.
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(randomPublicHex(13));
    expect(seen.size).toBe(1000);
  });
});
