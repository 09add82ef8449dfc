// The promise "nothing lost silently, nothing shown twice", checked over random histories of
// sends, partial deliveries and cut connections between two pure sessions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type PendingMessage,
  SeenIds,
  Session,
  type SessionEvent,
} from '../../src/session/index.js';

type Side = 'a' | 'b';
type Action =
  | { kind: 'send'; from: Side }
  | { kind: 'deliver'; to: Side; count: number }
  | { kind: 'cut' };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), from: fc.constantFrom<Side>('a', 'b') }),
  fc.record({
    kind: fc.constant('deliver' as const),
    to: fc.constantFrom<Side>('a', 'b'),
    count: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constant('cut' as const) }),
);

/** Two peers across reconnects: what outlives a session, and what each user saw. */
function world() {
  let ids = 0;
  const seen = { a: new SeenIds(), b: new SeenIds() };
  const carry: Record<Side, PendingMessage[]> = { a: [], b: [] };
  const sent: Record<Side, string[]> = { a: [], b: [] };
  const shown: Record<Side, string[]> = { a: [], b: [] };
  const delivered: Record<Side, string[]> = { a: [], b: [] };
  const undelivered: Record<Side, string[]> = { a: [], b: [] };
  let s = { a: undefined as unknown as Session, b: undefined as unknown as Session };
  let wire = { a: [] as Uint8Array[], b: [] as Uint8Array[] }; // messages on their way TO a side

  const absorb = (side: Side, events: SessionEvent[]) => {
    for (const e of events) {
      if (e.type === 'message') shown[side].push(e.id);
      if (e.type === 'delivered') delivered[side].push(e.id);
      if (e.type === 'closed') {
        carry[side] = e.undelivered;
        undelivered[side].push(...e.undelivered.map((m) => m.id));
      }
    }
  };
  const other = (side: Side): Side => (side === 'a' ? 'b' : 'a');
  const out = (from: Side, step: { out: Uint8Array[]; events: SessionEvent[] }) => {
    wire[other(from)].push(...step.out);
    absorb(from, step.events);
  };
  const deliver = (to: Side, count: number) => {
    for (let i = 0; i < count && wire[to].length > 0; i++) {
      out(to, s[to].receive(wire[to].shift()!, 0));
    }
  };
  const flush = () => {
    while (wire.a.length + wire.b.length > 0) {
      deliver('a', 1);
      deliver('b', 1);
    }
  };
  const connect = () => {
    const make = (side: Side, role: 'host' | 'joiner') =>
      new Session({
        role,
        hello: { name: side, client: 'prop', version: '1' },
        now: 0,
        pending: carry[side],
        seen: seen[side],
        newId: () => `${side}${++ids}`,
      });
    s = { a: make('a', 'joiner'), b: make('b', 'host') };
    carry.a = [];
    carry.b = [];
    out('a', s.a.start(0));
    out('b', s.b.start(0));
    flush();
    // The host introduces itself once the request is shown (docs/protocol-session.md §3).
    out('b', s.b.introduce(0, '00'.repeat(32)));
    flush();
    out('b', s.b.accept(0));
    flush();
  };
  const apply = (act: Action) => {
    if (act.kind === 'send') {
      const sent1 = s[act.from].send(`m${ids}`, 0);
      sent[act.from].push(sent1.id);
      out(act.from, sent1.step);
    } else if (act.kind === 'deliver') {
      deliver(act.to, act.count);
    } else {
      // A cut loses everything in flight; each side notices on its own.
      wire = { a: [], b: [] };
      absorb('a', s.a.abort('closed', 'cut').events);
      absorb('b', s.b.abort('closed', 'cut').events);
      connect();
    }
  };
  return {
    connect,
    apply,
    flush,
    sent,
    shown,
    delivered,
    undelivered,
    pendingOf: (x: Side) => s[x].pending,
  };
}

describe('exactly-once delivery across cuts (property)', () => {
  it('shows every message exactly once, in order, and acknowledges every one', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        const w = world();
        w.connect();
        for (const act of actions) w.apply(act);
        w.flush();
        for (const [from, to] of [
          ['a', 'b'],
          ['b', 'a'],
        ] as const) {
          expect(w.shown[to]).toEqual(w.sent[from]);
          expect(w.delivered[from]).toEqual(w.sent[from]);
          expect(w.pendingOf(from)).toEqual([]);
          // Everything reported undelivered was really sent by that side.
          for (const id of w.undelivered[from]) expect(w.sent[from]).toContain(id);
        }
      }),
      { numRuns: 300 },
    );
  });
});
