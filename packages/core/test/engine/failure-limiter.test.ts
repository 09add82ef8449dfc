// The failed-handshake limiter (pure): protects the bound on how fast one source can retry
// handshakes for a matching verification code (docs/protocol-identity.md §3), and that the
// limiter itself cannot be grown without bound.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FAILURE_COOLDOWN_MS,
  DEFAULT_FAILURE_WINDOW_MS,
  DEFAULT_MAX_FAILURES_PER_SOURCE,
  FailureLimiter,
  type FailureLimits,
  failureSource,
} from '../../src/engine/failure-limiter.js';
import { DEFAULT_LIMITS } from '../../src/engine/limits.js';

const LIMITS: FailureLimits = {
  maxFailuresPerSource: 3,
  failureWindowMs: 60_000,
  failureCooldownMs: 30_000,
  maxTrackedSources: 4,
  globalFailureWarning: 5,
};

describe('failureSource', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['0:0:0:0:0:ffff:cb00:7107', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['[2001:db8::1]', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::203.0.113.7', '64:ff9b:0:0::/64'],
    ['peer-7', 'peer-7'],
  ])('%s counts as %s', (host, source) => {
    expect(failureSource(host)).toBe(source);
  });

  it('groups the addresses of one IPv6 /64 and keeps other /64s apart', () => {
    expect(failureSource('2001:db8:a:b::1')).toBe(failureSource('2001:db8:a:b:ffff:1:2:3'));
    expect(failureSource('2001:db8:a:b::1')).not.toBe(failureSource('2001:db8:a:c::1'));
  });
});

describe('FailureLimiter', () => {
  it('admits a source until it reaches its budget, then refuses it for the cooldown', () => {
    const limiter = new FailureLimiter(LIMITS);
    expect(limiter.recordFailure('198.51.100.1', 0)).toEqual([]);
    expect(limiter.recordFailure('198.51.100.1', 1000)).toEqual([]);
    expect(limiter.admit('198.51.100.1', 1500)).toEqual({ ok: true });
    limiter.recordFailure('198.51.100.1', 2000);
    const first = limiter.admit('198.51.100.1', 2001);
    expect(first.ok).toBe(false);
    expect(first).toHaveProperty(
      'log',
      expect.stringMatching(
        /refusing connections from 198\.51\.100\.1 for 30 s: 3 failed handshakes within 60 s/,
      ),
    );
    // One log line per cooldown, not per connection.
    expect(limiter.admit('198.51.100.1', 5000)).toEqual({ ok: false });
    expect(limiter.admit('::ffff:198.51.100.1', 5000)).toEqual({ ok: false });
    // Another source is not affected.
    expect(limiter.admit('198.51.100.2', 5000)).toEqual({ ok: true });
    // The cooldown ends; the count starts again from zero.
    expect(limiter.admit('198.51.100.1', 2000 + 30_000)).toEqual({ ok: true });
    limiter.recordFailure('198.51.100.1', 33_000);
    expect(limiter.admit('198.51.100.1', 33_001)).toEqual({ ok: true });
  });

  it('counts failures in a sliding window: spread-out failures never reach the budget', () => {
    const limiter = new FailureLimiter(LIMITS);
    for (let i = 0; i < 20; i++) {
      limiter.recordFailure('198.51.100.1', i * 30_001);
      expect(limiter.admit('198.51.100.1', i * 30_001 + 1).ok).toBe(true);
    }
  });

  it('logs the refusal again for the next cooldown', () => {
    const limiter = new FailureLimiter(LIMITS);
    const burst = (t: number) => {
      for (let i = 0; i < 3; i++) limiter.recordFailure('198.51.100.1', t + i);
    };
    burst(0);
    expect(limiter.admit('198.51.100.1', 10)).toHaveProperty('log');
    burst(40_000);
    expect(limiter.admit('198.51.100.1', 40_010)).toHaveProperty('log');
  });

  it('treats every address of an IPv6 /64 as one source', () => {
    const limiter = new FailureLimiter(LIMITS);
    limiter.recordFailure('2001:db8:1:2::a', 0);
    limiter.recordFailure('2001:db8:1:2::b', 1);
    limiter.recordFailure('2001:db8:1:2:ffff::c', 2);
    expect(limiter.admit('2001:db8:1:2::d', 3).ok).toBe(false);
    expect(limiter.admit('2001:db8:1:3::d', 3).ok).toBe(true);
  });

  it('keeps at most maxTrackedSources sources, forgetting the least recently active', () => {
    const limiter = new FailureLimiter({ ...LIMITS, maxTrackedSources: 4 });
    for (let i = 0; i < 3; i++) limiter.recordFailure('10.0.0.1', i);
    expect(limiter.admit('10.0.0.1', 5).ok).toBe(false);
    for (let i = 0; i < 1000; i++) {
      limiter.recordFailure(`10.1.${i >> 8}.${i & 255}`, 10 + i);
      expect(limiter.trackedSources).toBeLessThanOrEqual(4);
    }
    // The oldest source was forgotten (the cost of a bounded table, see the docs).
    expect(limiter.admit('10.0.0.1', 2000).ok).toBe(true);
  });

  it('forgets sources whose failures have left the window', () => {
    const limiter = new FailureLimiter({ ...LIMITS, maxTrackedSources: 100 });
    for (let i = 0; i < 50; i++) limiter.recordFailure(`10.1.0.${i}`, i);
    expect(limiter.trackedSources).toBe(50);
    limiter.recordFailure('10.2.0.1', 200_000);
    expect(limiter.trackedSources).toBe(1);
  });

  it('warns once per window when failures from all sources exceed the global budget, refusing nobody for it', () => {
    const limiter = new FailureLimiter({ ...LIMITS, maxFailuresPerSource: 100 });
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) lines.push(...limiter.recordFailure(`10.3.0.${i}`, i * 100));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/warning: more than 5 failed handshakes within 60 s/);
    for (let i = 0; i < 20; i++) expect(limiter.admit(`10.3.0.${i}`, 3000).ok).toBe(true);
    // A minute later, still under attack: one more line.
    for (let i = 0; i < 10; i++) lines.push(...limiter.recordFailure(`10.4.0.${i}`, 61_000 + i));
    expect(lines).toHaveLength(2);
    // Quiet again: no warning for a few failures.
    for (let i = 0; i < 3; i++) lines.push(...limiter.recordFailure(`10.5.0.${i}`, 300_000 + i));
    expect(lines).toHaveLength(2);
  });

  it('has documented defaults that are the host defaults', () => {
    expect(DEFAULT_LIMITS).toMatchObject({
      maxFailuresPerSource: DEFAULT_MAX_FAILURES_PER_SOURCE,
      failureWindowMs: DEFAULT_FAILURE_WINDOW_MS,
      failureCooldownMs: DEFAULT_FAILURE_COOLDOWN_MS,
    });
  });
});
