// The host's open invites: listed without their secrets, withdrawn by id, and a withdrawn
// invite refused; an invite join is not a verification on the host.
import { afterEach, describe, expect, it } from 'vitest';
import { SETUPS } from './fixtures.js';
import { cleanup, connectPair, host, openNode } from './helpers.js';

afterEach(cleanup);

const setup = SETUPS[0]!;

describe(`open invites (${setup.name})`, () => {
  it('lists open invites by id, revokes one by a prefix of its id, and refuses a join with it', async () => {
    const make = await setup.make();
    const alice = await openNode('Alice', make);
    const { invite } = await host(alice);
    await alice.node.dispatch({ cmd: 'invite' });
    await alice.node.dispatch({ cmd: 'invites' });
    const listed = await alice.next('invites');
    expect(listed.invites).toHaveLength(2);
    for (const open of listed.invites) {
      expect(open.id).toMatch(/^[0-9a-f]{32}$/);
      expect(open.expiresAt).toBeGreaterThan(open.createdAt);
      // The id travels in clear in the prelude; the invite (with its secret) is never listed.
      expect(invite).not.toContain(open.id);
    }
    // The first invite is the one `listening` carried: revoke it by 8 digits of its id.
    const first = listed.invites.find(
      (i) => i.createdAt === Math.min(...listed.invites.map((x) => x.createdAt)),
    )!;
    await alice.node.dispatch({ cmd: 'revoke', invite: first.id.slice(0, 8) });
    const after = await alice.next('invites', (e) => e.invites.length === 1);
    expect(after.invites[0]!.id).not.toBe(first.id);

    await alice.node.dispatch({ cmd: 'revoke', invite: first.id });
    const error = await alice.next('error');
    expect(error).toMatchObject({ code: 'ERR_NO_SUCH_INVITE' });
    await alice.node.dispatch({ cmd: 'revoke', invite: 'xyz' });
    expect((await alice.next('error', (e) => e !== error)).code).toBe('ERR_NO_SUCH_INVITE');

    const bob = await openNode('Bob', make);
    await bob.node.dispatch({ cmd: 'join', target: invite });
    const refused = await bob.next('disconnected');
    expect(refused.reason).toBe('invite-unknown');
    expect(alice.of('request')).toEqual([]);
  });
});

describe('invites on the host side (issue 12 item 5)', () => {
  it('an invite join is "joined with your invite": the code is offered and nothing says verified', async () => {
    const alice = await openNode('Alice');
    const bob = await openNode('Bob');
    const { request, hostSide, joinerSide } = await connectPair(alice, bob);
    expect(request).toMatchObject({ invited: true, known: false });
    expect(request.code).toMatch(/^\d{3} \d{3}$/);
    // Both ends show the same code (h || host nonce), so comparing it still means something.
    expect(joinerSide.code).toBe(request.code);
    expect(hostSide).toMatchObject({ verified: false, verification: 'unverified' });
    expect(hostSide.verifiedBy).toBeUndefined();
    // The joiner's side of the invite pinned the host's key: that is a verification.
    expect(joinerSide).toMatchObject({ verified: true, verifiedBy: 'invite' });
  });

  it('says so on both sides when an invite has expired, once per invite on the host', async () => {
    let hostTime = Date.now();
    const alice = await openNode('Alice', { now: () => hostTime });
    const { invite } = await host(alice);
    hostTime += 25 * 60 * 60 * 1000;
    for (const name of ['Bob', 'Carol']) {
      const joiner = await openNode(name);
      await joiner.node.dispatch({ cmd: 'join', target: invite });
      const refused = await joiner.next('disconnected');
      expect(refused.reason).toBe('invite-expired');
      expect(refused.message).toBe('This invite has expired. Ask your friend for a new one.');
    }
    const warnings = alice.of('warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ kind: 'invite-expired' });
    expect(warnings[0]!.message).toMatch(
      /has expired\. If that was your friend, make a new invite/,
    );
    expect(alice.of('request')).toEqual([]);
  });
});
