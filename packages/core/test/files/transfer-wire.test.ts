import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFileDisk } from '../../src/adapters/file-disk.js';
import {
  chunkHeaderBytes,
  decodeChunk,
  encodeChunk,
  isChunk,
  MAX_CHUNK_BYTES,
  writeChunkHeader,
} from '../../src/files/transfer-wire.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('file chunk wire format', () => {
  it('matches the worked example of docs/protocol-session.md §8', () => {
    const bytes = encodeChunk('f1', 0, new TextEncoder().encode('abc'));
    expect(hex(bytes)).toBe('00026631' + '0000000000000000' + '616263');
    expect(isChunk(bytes)).toBe(true);
    const chunk = decodeChunk(bytes);
    expect(chunk.id).toBe('f1');
    expect(chunk.offset).toBe(0);
    expect(new TextDecoder().decode(chunk.data)).toBe('abc');
  });

  it('round-trips offsets up to 2^53 - 1', () => {
    for (const offset of [1, 2 ** 32, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      expect(decodeChunk(encodeChunk('x', offset, new Uint8Array([1]))).offset).toBe(offset);
    }
  });

  it('refuses malformed chunks with ERR_SESSION_MALFORMED', () => {
    const good = encodeChunk('ab', 7, new Uint8Array(10));
    const cases: Uint8Array[] = [
      new Uint8Array([0]),
      new Uint8Array([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      good.subarray(0, 12), // no data
      Uint8Array.from([...good.subarray(0, 2), 0x2e, 0x2e, ...good.subarray(4)]), // id ".."
      Uint8Array.from([...good.subarray(0, 4), 0xff, 0xff, 0xff, 0xff, ...good.subarray(8)]),
      new Uint8Array(2 + 1 + 8 + MAX_CHUNK_BYTES + 1).fill(1, 1, 2),
      new TextEncoder().encode('{"t":"ping"}'),
    ];
    for (const bytes of cases) {
      expect(() => decodeChunk(bytes)).toThrow(
        expect.objectContaining({ code: 'ERR_SESSION_MALFORMED' }),
      );
    }
  });

  it('lays a header in front of data read in place, byte for byte as encodeChunk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wire-'));
    try {
      const content = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251);
      writeFileSync(join(dir, 'f'), content);
      const source = await nodeFileDisk().openSource(join(dir, 'f'));
      const header = chunkHeaderBytes('abc');
      const out = new Uint8Array(3 * header + 150_000);
      const lengths = [MAX_CHUNK_BYTES, MAX_CHUNK_BYTES, 150_000 - 2 * MAX_CHUNK_BYTES];
      const targets: Uint8Array[] = [];
      let at = 0;
      for (const [i, length] of lengths.entries()) {
        writeChunkHeader(out, at, 'abc', 1000 + i * MAX_CHUNK_BYTES);
        targets.push(out.subarray(at + header, at + header + length));
        at += header + length;
      }
      expect(await source.readInto(1000, targets)).toBe(150_000);
      at = 0;
      for (const [i, length] of lengths.entries()) {
        const start = 1000 + i * MAX_CHUNK_BYTES;
        const expected = encodeChunk('abc', start, content.subarray(start, start + length));
        expect(hex(out.subarray(at, at + header + length))).toBe(hex(expected));
        at += header + length;
      }
      // At the end of the file: fewer bytes, never more.
      expect(await source.readInto(150_000, [new Uint8Array(40_000), new Uint8Array(40_000)])).toBe(
        50_000,
      );
      await source.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
