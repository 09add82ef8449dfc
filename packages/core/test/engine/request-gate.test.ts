// The strangers' gate (request-gate.ts), pure: the global budget, the per-source (IPv4 address,
// IPv6 /64) and total caps on undecided requests, tickets given back once, and the warning said
// once per episode.
import { describe, expect, it } from 'vitest';
import { type GateDecision, RequestGate } from '../../src/engine/request-gate.js';

const limits = {
  maxStrangerRequestsPerWindow: 5,
  strangerWindowMs: 60_000,
  maxUndecidedPerSource: 2,
  maxUndecidedStrangers: 4,
};

function ticket(decision: GateDecision) {
  if (!decision.ok) throw new Error(`refused: ${decision.why}`);
  return decision.ticket;
}

describe('RequestGate', () => {
  it('caps undecided requests per IPv4 address and per IPv6 /64, and in all', () => {
    const gate = new RequestGate(limits);
    ticket(gate.admit('10.0.0.1', 0));
    ticket(gate.admit('10.0.0.1', 0));
    expect(gate.admit('10.0.0.1', 0)).toMatchObject({ ok: false, why: 'source-full' });
    // Two addresses of one /64 are one source.
    ticket(gate.admit('2001:db8:1:2::1', 0));
    ticket(gate.admit('2001:db8:1:2::ffff', 0));
    expect(gate.admit('2001:db8:1:2:aaaa::3', 0)).toMatchObject({
      ok: false,
      why: 'source-full',
    });
    expect(gate.undecided).toBe(4);
    expect(gate.admit('10.0.0.9', 0)).toMatchObject({ ok: false, why: 'all-full' });
  });

  it('gives a place back once per ticket, and then admits again', () => {
    const gate = new RequestGate(limits);
    const first = ticket(gate.admit('10.0.0.1', 0));
    ticket(gate.admit('10.0.0.1', 0));
    first.release();
    first.release();
    expect(gate.undecided).toBe(1);
    ticket(gate.admit('10.0.0.1', 1));
    expect(gate.admit('10.0.0.1', 1)).toMatchObject({ ok: false, why: 'source-full' });
  });

  it('shows at most the budget per window from all sources, and warns once per episode', () => {
    const gate = new RequestGate({ ...limits, maxUndecidedStrangers: 100 });
    for (let i = 0; i < 5; i++) ticket(gate.admit(`10.0.1.${i}`, i)).release();
    const refused = gate.admit('10.0.2.1', 10);
    expect(refused).toMatchObject({ ok: false, why: 'budget' });
    expect(refused.ok === false && refused.warning).toMatch(/Many join requests from unknown keys/);
    // Within the episode: refused, no second warning.
    const again = gate.admit('10.0.2.2', 20_000);
    expect(again).toMatchObject({ ok: false, why: 'budget' });
    expect(again.ok === false && again.warning).toBeUndefined();
    // The window slid past the first requests: room again.
    for (let i = 0; i < 5; i++) ticket(gate.admit(`10.0.3.${i}`, 61_000 + i)).release();
    // Refused again within a window of the last refusal: the same episode, no warning.
    const same = gate.admit('10.0.4.1', 70_000);
    expect(same).toMatchObject({ ok: false, why: 'budget' });
    expect(same.ok === false && same.warning).toBeUndefined();
    // A whole window without a refusal ends the episode: the next one warns again.
    for (let i = 0; i < 5; i++) ticket(gate.admit(`10.0.5.${i}`, 200_000 + i)).release();
    const next = gate.admit('10.0.6.1', 200_010);
    expect(next.ok === false && next.warning).toMatch(/Many join requests/);
  });
});
