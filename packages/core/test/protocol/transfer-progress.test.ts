import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatClock,
  transferSpeed,
  withProgress,
} from '../../src/protocol/transfer-progress.js';

describe('transfer progress as front ends show it', () => {
  it('starts the clock at the first report (a resume starts above 0) and measures from there', () => {
    const first = withProgress({ bytes: 0, size: 10_240 }, 2048, 10_000);
    expect(first).toEqual({
      bytes: 2048,
      size: 10_240,
      since: { at: 10_000, bytes: 2048 },
      at: 10_000,
    });
    expect(transferSpeed(first)).toBeNull();
    const later = withProgress(first, 6144, 12_000);
    expect(later.since).toEqual({ at: 10_000, bytes: 2048 });
    expect(transferSpeed(later)).toEqual({ perSecond: 2048, secondsLeft: 2 });
    expect(transferSpeed({ bytes: 5, size: 10 })).toBeNull();
    expect(transferSpeed({ bytes: 5, size: 10, since: { at: 0, bytes: 5 }, at: 1000 })).toBeNull();
  });

  it('formats sizes in binary units and times left as a clock', () => {
    expect([0, 512, 1536, 200_000, 3 * 1024 ** 2 + 5, 5 * 1024 ** 4].map(formatBytes)).toEqual([
      '0 B',
      '512 B',
      '1.5 KiB',
      '195 KiB',
      '3.0 MiB',
      '5.0 TiB',
    ]);
    expect([0, 7, 59.2, 723, 3723].map(formatClock)).toEqual([
      '0:00',
      '0:07',
      '1:00',
      '12:03',
      '1:02:03',
    ]);
  });
});
