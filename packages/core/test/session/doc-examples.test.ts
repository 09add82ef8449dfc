// Keeps docs/protocol-session.md honest: every example message in it decodes, and every
// message type has an example.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMessage, MESSAGE_TYPES } from '../../src/session/index.js';

const doc = readFileSync(join(import.meta.dirname, '../../../../docs/protocol-session.md'), 'utf8');
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)]
  .flatMap((block) => block[1]!.split('\n'))
  .filter((line) => line.startsWith('{'));

describe('docs/protocol-session.md examples', () => {
  it('decode, and cover every message type', () => {
    const types = new Set<string>();
    for (const line of examples) {
      const decoded = decodeMessage(new TextEncoder().encode(line));
      expect(decoded.kind, line).toBe('message');
      if (decoded.kind === 'message') types.add(decoded.message.t);
    }
    expect([...types].sort()).toEqual(Object.keys(MESSAGE_TYPES).sort());
  });
});
