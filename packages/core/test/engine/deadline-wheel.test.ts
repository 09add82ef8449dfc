import { describe, expect, it } from 'vitest';
import { type DeadlineOwner, DeadlineWheel } from '../../src/engine/deadline-wheel.js';

/** An owner that records when it was called back (real timers, waited on by promise). */
function owner(log: string[], name: string, then?: () => void): DeadlineOwner {
  return {
    wheelAt: undefined,
    onDeadline() {
      log.push(name);
      then?.();
    },
  };
}

function waitUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('timed out'));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

describe('DeadlineWheel', () => {
  it('calls owners back in deadline order, never before their time', async () => {
    const wheel = new DeadlineWheel(Date.now);
    const log: string[] = [];
    const start = Date.now();
    const at: Record<string, number> = {};
    const record = (name: string) => () => {
      at[name] = Date.now();
    };
    wheel.schedule(owner(log, 'c', record('c')), start + 60);
    wheel.schedule(owner(log, 'a', record('a')), start + 20);
    wheel.schedule(owner(log, 'b', record('b')), start + 40);
    await waitUntil(() => log.length === 3);
    expect(log).toEqual(['a', 'b', 'c']);
    expect(at.a! - start).toBeGreaterThanOrEqual(20);
    expect(at.b! - start).toBeGreaterThanOrEqual(40);
    expect(at.c! - start).toBeGreaterThanOrEqual(60);
  });

  it('keeps the earlier entry when a deadline moves later, and takes an earlier one at once', async () => {
    const wheel = new DeadlineWheel(Date.now);
    const log: string[] = [];
    const o = owner(log, 'o');
    const start = Date.now();
    wheel.schedule(o, start + 5_000);
    wheel.schedule(o, start + 9_000); // later: nothing to do
    expect(o.wheelAt).toBe(start + 5_000);
    expect(wheel.size).toBe(1);
    wheel.schedule(o, start + 10); // earlier: a new entry, the old one stale
    expect(o.wheelAt).toBe(start + 10);
    await waitUntil(() => log.length === 1);
    expect(o.wheelAt).toBeUndefined();
    // The stale entry at +5 s must not call the owner back again.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log).toEqual(['o']);
  });

  it('never calls back a cancelled owner, and rebuilds itself when mostly stale', async () => {
    const wheel = new DeadlineWheel(Date.now);
    const log: string[] = [];
    const start = Date.now();
    const owners = Array.from({ length: 200 }, (_, i) => owner(log, `o${i}`));
    for (const [i, o] of owners.entries()) wheel.schedule(o, start + 30 + i);
    for (const o of owners.slice(0, 190)) wheel.cancel(o);
    expect(wheel.size).toBeLessThan(200);
    await waitUntil(() => log.length === 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log).toEqual(owners.slice(190).map((_, i) => `o${190 + i}`));
  });

  it('lets an owner schedule again from its callback, also for a time already past', async () => {
    const wheel = new DeadlineWheel(Date.now);
    const log: string[] = [];
    let rounds = 0;
    const o: DeadlineOwner = owner(log, 'o', () => {
      rounds++;
      if (rounds < 3) wheel.schedule(o, Date.now() - 1);
    });
    wheel.schedule(o, Date.now() + 5);
    await waitUntil(() => rounds === 3);
    expect(log).toEqual(['o', 'o', 'o']);
    expect(wheel.size).toBe(0);
  });

  it('keeps going when an owner throws', async () => {
    const wheel = new DeadlineWheel(Date.now);
    const log: string[] = [];
    const start = Date.now();
    wheel.schedule(
      owner(log, 'bad', () => {
        throw new Error('boom');
      }),
      start + 5,
    );
    wheel.schedule(owner(log, 'good'), start + 5);
    await waitUntil(() => log.length === 2);
    expect(log.sort()).toEqual(['bad', 'good']);
  });
});
