// The question (SMP) between two real chat nodes over loopback TCP: both sides learn the
// result, a match marks the peer verified by `question` on both sides, a mismatch changes
// nothing, and bad commands are clear errors.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, connectPair, openNode } from './helpers.js';

afterEach(cleanup);

describe('asking a question (SMP)', () => {
  it('verifies both sides on the right answer and warns both on a wrong one', async () => {
    const alice = await openNode('Alice');
    const bob = await openNode('Bob');
    const { request, joinerSide, hostSide } = await connectPair(alice, bob);
    // Joined by invite: `connected` says how each side was verified. The invite pinned the
    // host's key for the joiner; on the host it only says who held the invite (not verified).
    expect(joinerSide.verifiedBy).toBe('invite');
    expect(hostSide.verifiedBy).toBeUndefined();
    const bobId = request.peer;
    const aliceId = joinerSide.peer;

    await alice.node.dispatch({
      cmd: 'ask',
      peer: bobId,
      question: 'Where did we meet?',
      answer: 'Café de Flore',
    });
    const asked = await bob.next('asked');
    expect(asked).toEqual({ event: 'asked', peer: aliceId, question: 'Where did we meet?' });
    await bob.node.dispatch({ cmd: 'answer', peer: aliceId, answer: '  café  DE flore ' });
    expect(await alice.next('verification')).toEqual({
      event: 'verification',
      peer: bobId,
      result: 'match',
    });
    expect(await bob.next('verification')).toEqual({
      event: 'verification',
      peer: aliceId,
      result: 'match',
    });
    expect(alice.of('verified')).toEqual([
      { event: 'verified', peer: bobId, verification: 'question' },
    ]);
    expect(bob.of('verified')).toEqual([
      { event: 'verified', peer: aliceId, verification: 'question' },
    ]);
    await alice.node.dispatch({ cmd: 'peers' });
    const peers = await alice.next('peers');
    expect(peers.peers.find((p) => p.peer === bobId)?.verification).toBe('question');

    // A second run, the other way, with a wrong answer: a mismatch on both sides.
    await bob.node.dispatch({ cmd: 'ask', peer: aliceId, question: 'My cat?', answer: 'Tom' });
    await alice.next('asked', (e) => e.question === 'My cat?');
    await alice.node.dispatch({ cmd: 'answer', peer: bobId, answer: 'Felix' });
    await alice.next('verification', (e) => e.result === 'mismatch');
    await bob.next('verification', (e) => e.result === 'mismatch');
    // One guess per run: answering again is refused.
    await alice.node.dispatch({ cmd: 'answer', peer: bobId, answer: 'Tom' });
    const error = await alice.next('error', (e) => e.code === 'ERR_NOTHING_TO_ANSWER');
    expect(error.message).toBe('This peer has not asked a question, or it was answered already.');
  });

  it('refuses to ask a peer that is not connected, or with an empty answer', async () => {
    const alice = await openNode('Alice');
    const bob = await openNode('Bob');
    const { request } = await connectPair(alice, bob);
    await alice.node.dispatch({ cmd: 'ask', peer: 'ffffffffffffffff', question: 'q', answer: 'a' });
    await alice.next('error', (e) => e.code === 'ERR_NO_SUCH_PEER');
    await alice.node.dispatch({ cmd: 'ask', peer: request.peer, question: 'q', answer: '   ' });
    const error = await alice.next('error', (e) => e.code === 'ERR_BAD_QUESTION');
    expect(error.message).toBe('An answer must not be empty.');
  });
});
