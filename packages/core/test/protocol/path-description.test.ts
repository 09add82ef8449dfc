import { describe, expect, it } from 'vitest';
import { type ConnectionPath, describePath } from '../../src/protocol/index.js';

describe('describePath', () => {
  const paths: ConnectionPath[] = ['lan', 'direct', 'holepunch', 'mapped', 'relay'];

  it('gives every path its own words and a sentence on who sees your address', () => {
    const labels = paths.map((path) => describePath(path, 'Ada', '203.0.113.9:49737').label);
    expect(new Set(labels).size).toBe(paths.length);
    for (const path of paths) {
      expect(describePath(path, 'Ada').exposure).toMatch(/sees|see/);
    }
    expect(describePath('holepunch', 'Ada').label).toBe(
      'direct through your router (hole punched)',
    );
  });

  it('names the relay by the address it was reached at, and says it sees only ciphertext', () => {
    const relay = describePath('relay', 'Ada', '203.0.113.9:49737');
    expect(relay.label).toBe('relayed through 203.0.113.9:49737');
    expect(relay.exposure).toMatch(/only encrypted data/);
    expect(describePath('relay', 'Ada').label).toBe('relayed through a relay');
  });

  it('does not claim a path it does not know (a newer peer)', () => {
    expect(describePath('satellite' as ConnectionPath, 'Ada').label).toBe('connected');
  });
});
