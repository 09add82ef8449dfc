// The receiver's checks on a folder offer's entries (files/folder-manifest.ts): hostile lists
// are refused as a whole before anything is written; names are sanitised segment by segment.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FolderManifestError, safeEntries } from '../../src/files/folder-manifest.js';
import { decodeMessage, encodeMessage, type FileOfferMessage } from '../../src/session/index.js';

const refused = (entries: { path: string; size: number }[], size: number) =>
  expect(() => safeEntries(entries, size)).toThrow(FolderManifestError);

describe('folder offer entries', () => {
  it('keeps nested paths, sanitising each segment', () => {
    expect(
      safeEntries(
        [
          { path: 'a/b/c.txt', size: 3 },
          { path: 'empty', size: 0 },
          { path: 'Über/naïve ☃.md', size: 2 },
          { path: 'sub/CON.txt', size: 1 },
          { path: 'x/invoice\u202Efdp.exe', size: 1 },
        ],
        7,
      ).map((e) => e.segments.join('/')),
    ).toEqual(['a/b/c.txt', 'empty', 'Über/naïve ☃.md', 'sub/_CON.txt', 'x/invoicefdp.exe']);
  });

  it('refuses traversal, absolute and Windows paths, and empty segments', () => {
    for (const path of [
      '../evil',
      'a/../../evil',
      './a',
      'a//b',
      'a/',
      '/etc/passwd',
      'C:/Windows/x',
      'c:evil',
      'a\\..\\b',
      '..',
    ]) {
      refused([{ path, size: 1 }], 1);
    }
  });

  it('refuses clashes (also by case or after sanitising) and a file that is also a folder', () => {
    refused(
      [
        { path: 'a.txt', size: 1 },
        { path: 'A.TXT', size: 1 },
      ],
      2,
    );
    refused(
      [
        { path: 'x/a?', size: 1 },
        { path: 'x/a_', size: 1 },
      ],
      2,
    );
    refused(
      [
        { path: 'd', size: 1 },
        { path: 'd/e', size: 1 },
      ],
      2,
    );
    refused(
      [
        { path: 'd/e', size: 1 },
        { path: 'd', size: 1 },
      ],
      2,
    );
  });

  it("refuses a list whose sizes do not add up to the offer's, and an empty list", () => {
    refused([{ path: 'a', size: 5 }], 4);
    refused([{ path: 'a', size: 5 }], 6);
    refused([], 0);
    refused(
      [
        { path: 'a', size: Number.MAX_SAFE_INTEGER },
        { path: 'b', size: 2 },
      ],
      1,
    );
  });

  it('matches the worked example of docs/protocol-session.md §8 (Folders)', () => {
    const doc = readFileSync(
      join(import.meta.dirname, '../../../../docs/protocol-session.md'),
      'utf8',
    );
    const line = doc.split('\n').find((l) => l.startsWith('{') && l.includes('"kind":"folder"'))!;
    const offer: FileOfferMessage = {
      t: 'file-offer',
      id: '7a0e3c5b1d2f4968',
      name: 'Notes',
      size: 3,
      type: 'inode/directory',
      sha256: createHash('sha256').update('hi').update('!').digest('hex'),
      kind: 'folder',
      entries: [
        { path: 'a.txt', size: 2 },
        { path: 'sub/b.txt', size: 1 },
      ],
    };
    expect(new TextDecoder().decode(encodeMessage(offer))).toBe(line);
    const decoded = decodeMessage(new TextEncoder().encode(line));
    expect(decoded.kind === 'message' && decoded.message).toEqual(offer);
    expect(safeEntries(offer.entries!, offer.size).map((e) => e.segments)).toEqual([
      ['a.txt'],
      ['sub', 'b.txt'],
    ]);
  });

  it('is refused by the decoder when an entry is not {path, size}', () => {
    for (const entries of [
      [{ path: 'a' }],
      [{ path: 'a\u0007', size: 1 }],
      [{ path: '', size: 1 }],
      [{ path: 'a', size: -1 }],
      ['a'],
      { path: 'a', size: 1 },
    ]) {
      const bytes = new TextEncoder().encode(
        JSON.stringify({
          t: 'file-offer',
          id: 'x',
          name: 'f',
          size: 1,
          type: 'inode/directory',
          sha256: '0'.repeat(64),
          kind: 'folder',
          entries,
        }),
      );
      expect(() => decodeMessage(bytes)).toThrow(
        expect.objectContaining({ code: 'ERR_SESSION_MALFORMED' }),
      );
    }
  });
});
