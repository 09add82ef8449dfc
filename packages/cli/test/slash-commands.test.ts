import { homedir } from 'node:os';
import type { ChatEvent } from '@cryptully/core/protocol';
import { describe, expect, it } from 'vitest';
import { completeLine, interpretLine, SLASH_COMMANDS } from '../src/slash-commands.js';
import { progressBar, statusText } from '../src/tui/status-bar.js';
import {
  awaitOwnAnswer,
  conversationOf,
  initialState,
  reduce,
  withoutPreparing,
} from '../src/ui-state.js';
import { AT, BOB, bobConnected, CAROL, requestFromBob } from './helpers/scripted-node.js';

const stateOf = (...events: ChatEvent[]) => events.reduce((s, e) => reduce(s, e, AT), initialState);

describe('typed lines', () => {
  it('sends text to the conversation shown, and // escapes a leading slash', () => {
    const state = stateOf(bobConnected);
    expect(interpretLine('hi there', state).commands).toEqual([
      { cmd: 'send', peer: BOB, text: 'hi there' },
    ]);
    expect(interpretLine('//shrug', state).commands).toEqual([
      { cmd: 'send', peer: BOB, text: '/shrug' },
    ]);
    expect(interpretLine('   ', state)).toEqual({});
  });

  it('explains instead of sending when nobody is there yet', () => {
    expect(interpretLine('hello?', initialState).note).toMatch(/Nobody to send this to yet/);
  });

  it('accepts and rejects the pending request, by default or by name', () => {
    const state = stateOf(requestFromBob, { ...requestFromBob, peer: CAROL, name: 'Carol' });
    expect(interpretLine('/accept', state).commands).toEqual([{ cmd: 'accept', peer: BOB }]);
    expect(interpretLine('/accept carol', state).commands).toEqual([
      { cmd: 'accept', peer: CAROL },
    ]);
    expect(interpretLine('/reject 2', state).commands).toEqual([{ cmd: 'reject', peer: CAROL }]);
    expect(interpretLine('/accept dave', state).note).toMatch(/Nobody called "dave"/);
  });

  it('requires "yes" to accept a changed key', () => {
    const state = stateOf({ ...requestFromBob, keyChanged: true, known: true });
    const refused = interpretLine('/accept', state);
    expect(refused.commands).toBeUndefined();
    expect(refused.note).toMatch(/key has changed.*\/accept Bob yes/);
    expect(interpretLine('/accept yes', state).commands).toEqual([
      { cmd: 'accept', peer: BOB, confirmKeyChange: true },
    ]);
  });

  it('/verify shows the code first and marks verified only with yes', () => {
    const state = stateOf(bobConnected);
    expect(interpretLine('/verify', state).note).toMatch(
      /Your code with Bob is 482 913.*\/verify yes/,
    );
    expect(interpretLine('/verify yes', state).commands).toEqual([{ cmd: 'verify', peer: BOB }]);
  });

  it('/ask takes the question, then the next line as our own answer (never sent as chat)', () => {
    const state = stateOf(bobConnected);
    expect(interpretLine('/ask', state).note).toMatch(/Type \/ask followed by a question/);
    const ask = interpretLine('/ask Where did we meet?', state);
    expect(ask.commands).toBeUndefined();
    expect(ask.awaitAnswer).toEqual({ peer: BOB, question: 'Where did we meet?' });
    expect(ask.note).toMatch(/Now type your own answer to "Where did we meet\?"/);
    const waiting = awaitOwnAnswer(state, BOB, 'Where did we meet?');
    const answered = interpretLine('In Paris', waiting);
    expect(answered.commands).toEqual([
      { cmd: 'ask', peer: BOB, question: 'Where did we meet?', answer: 'In Paris' },
    ]);
    expect(answered.answered).toBe(BOB);
    // Slash commands still work while a question waits.
    expect(interpretLine('/peers', waiting).commands).toEqual([{ cmd: 'peers' }]);
  });

  it('answers the question the peer asked with the next line, and shows the result', () => {
    const asked = stateOf(bobConnected, { event: 'asked', peer: BOB, question: 'My cat?' });
    expect(conversationOf(asked, BOB)?.question).toEqual({ from: 'theirs', text: 'My cat?' });
    expect(conversationOf(asked, BOB)?.lines.at(-1)?.text).toMatch(
      /Bob asks you: "My cat\?". Type your answer/,
    );
    expect(interpretLine('Felix', asked).commands).toEqual([
      { cmd: 'answer', peer: BOB, answer: 'Felix' },
    ]);
    const mismatch = reduce(asked, { event: 'verification', peer: BOB, result: 'mismatch' }, AT);
    expect(conversationOf(mismatch, BOB)?.question).toBeUndefined();
    expect(conversationOf(mismatch, BOB)?.lines.at(-1)).toMatchObject({
      kind: 'warning',
      text: expect.stringMatching(/^Your answers did not match/),
    });
    const match = reduce(
      reduce(asked, { event: 'verification', peer: BOB, result: 'match' }, AT),
      { event: 'verified', peer: BOB, verification: 'question' },
      AT,
    );
    expect(conversationOf(match, BOB)?.verification).toBe('question');
  });

  it('maps the other commands, abbreviations included, and explains unknown ones', () => {
    const state = stateOf(bobConnected, { ...bobConnected, peer: CAROL, name: 'Carol' });
    expect(interpretLine('/invite', state).commands).toEqual([{ cmd: 'invite' }]);
    expect(interpretLine('/peers', state).commands).toEqual([{ cmd: 'peers' }]);
    expect(interpretLine('/name Alice B', state).commands).toEqual([
      { cmd: 'name', name: 'Alice B' },
    ]);
    expect(interpretLine('/switch carol', state).switchTo).toBe(CAROL);
    expect(interpretLine('/switch 0', state).switchTo).toBeNull();
    expect(interpretLine('/q', state).quit).toBe(true);
    expect(interpretLine('/close', state).commands).toEqual([{ cmd: 'disconnect', peer: BOB }]);
    expect(interpretLine('/frob', state).note).toMatch(/Unknown command \/frob. Type \/help/);
    const help = interpretLine('/help', state).note!;
    for (const command of SLASH_COMMANDS) expect(help).toContain(`/${command.name}`);
  });

  /** The last line where the user is looking: the current conversation, or home. */
  const lastLine = (s: ReturnType<typeof stateOf>) =>
    (s.current === null ? s.home : conversationOf(s, s.current)!.lines).at(-1);

  it('/invites lists open invites, /revoke withdraws one by id, and both show in the log', () => {
    const state = stateOf(bobConnected);
    expect(interpretLine('/invites', state).commands).toEqual([{ cmd: 'invites' }]);
    expect(interpretLine('/invite', state).commands).toEqual([{ cmd: 'invite' }]);
    expect(interpretLine('/revoke 0a1b2c3d', state).commands).toEqual([
      { cmd: 'revoke', invite: '0a1b2c3d' },
    ]);
    const empty = interpretLine('/revoke', state);
    expect(empty.commands).toBeUndefined();
    expect(empty.note).toMatch(/Say which invite: \/revoke ID/);
    const listed = reduce(
      state,
      {
        event: 'invites',
        invites: [{ id: '0a1b2c3d'.repeat(4), createdAt: AT, expiresAt: AT + 3 * 3_600_000 }],
      },
      AT,
    );
    expect(lastLine(listed)?.text).toBe(
      'Open invites (/revoke ID withdraws one): 0a1b2c3d (expires in 3 h)',
    );
    const none = reduce(state, { event: 'invites', invites: [] }, AT);
    expect(lastLine(none)?.text).toBe('No open invites.');
    const warned = reduce(
      state,
      { event: 'warning', kind: 'request-flood', message: 'Many join requests.' },
      AT,
    );
    expect(lastLine(warned)).toMatchObject({ kind: 'warning', text: 'Many join requests.' });
  });

  it('/join starts another chat by invite or address, and explains itself when empty', () => {
    const state = stateOf(bobConnected);
    expect(interpretLine('/join 192.168.1.20:7677', state)).toEqual({
      commands: [{ cmd: 'join', target: '192.168.1.20:7677' }],
      switchTo: null,
    });
    // An invite that wrapped when copied loses its line breaks; "/j" is enough.
    expect(interpretLine('/j cryptully://join/AQCn\nuw AAA', state).commands).toEqual([
      { cmd: 'join', target: 'cryptully://join/AQCnuwAAA' },
    ]);
    const empty = interpretLine('/join', state);
    expect(empty.commands).toBeUndefined();
    expect(empty.note).toMatch(/invite.*address/);
    expect(interpretLine('/help', state).note).toMatch(
      /\/join <invite\|host:port\|name> +join a friend/,
    );
  });

  it("completes command names and friends' names with Tab", () => {
    const state = stateOf(bobConnected, { ...bobConnected, peer: CAROL, name: 'Carol' });
    expect(completeLine('/ve', state)).toBe('/verify ');
    expect(completeLine('/sw', state)).toBe('/switch ');
    expect(completeLine('/switch ca', state)).toBe('/switch Carol');
    expect(completeLine('/zz', state)).toBe('/zz');
    expect(completeLine('hello', state)).toBe('hello');
  });
});

describe('file commands', () => {
  const offer: ChatEvent = {
    event: 'file-offer',
    peer: BOB,
    id: 'f1',
    name: 'cat.png',
    size: 2048,
    sha256: 'a'.repeat(64),
    type: 'image/png',
  };

  it('/send PATH offers a file to the conversation shown', () => {
    const state = stateOf(bobConnected);
    expect(interpretLine('/send ~/cat.png', state).commands).toEqual([
      { cmd: 'send-file', peer: BOB, path: `${homedir()}/cat.png` },
    ]);
    // Hashing a big file takes a while before the offer: the person is told at once.
    expect(interpretLine('/send ~/cat.png', state).note).toBe(
      'Getting ready to send ~/cat.png (a big file takes a few seconds)…',
    );
    expect(interpretLine('/send', state).note).toMatch(/path of the file/);
  });

  it('/accept and /decline answer a file offer when nobody waits to chat', () => {
    const state = stateOf(bobConnected, offer);
    expect(interpretLine('/accept', state).commands).toEqual([
      { cmd: 'accept-file', peer: BOB, id: 'f1' },
    ]);
    expect(interpretLine('/decline', state).commands).toEqual([
      { cmd: 'decline-file', peer: BOB, id: 'f1' },
    ]);
    expect(interpretLine('/cancel', state).commands).toEqual([
      { cmd: 'cancel-file', peer: BOB, id: 'f1' },
    ]);
    // A friend asking to chat still comes first.
    const both = stateOf(offer, { ...requestFromBob, peer: CAROL, name: 'Carol' });
    expect(interpretLine('/accept', both).commands).toEqual([{ cmd: 'accept', peer: CAROL }]);
  });

  it('shows a file being got ready as a bar, then its offer under the same id takes over', () => {
    const MiB = 1024 * 1024;
    const preparing = (bytes: number) =>
      ({
        event: 'file-preparing',
        peer: BOB,
        id: 'o1',
        name: 'film.mkv',
        path: '/home/a/film.mkv',
        bytes,
        size: 40 * MiB,
      }) as ChatEvent;
    const first = reduce(stateOf(bobConnected), preparing(8 * MiB), AT);
    const later = reduce(first, preparing(16 * MiB), AT + 1000);
    expect(later.transfers).toHaveLength(1);
    const t = later.transfers![0]!;
    expect(t).toMatchObject({ id: 'o1', direction: 'out', state: 'preparing', bytes: 16 * MiB });
    // 8 MiB a second with 24 MiB to go: 3 s left. Plain words, no crypto jargon.
    expect(progressBar(t)).toBe('Getting film.mkv ready [####------] 40% 16 MiB/40 MiB 0:03 left');
    expect(statusText(later).text).toContain('Getting film.mkv ready [####------] 40%');
    expect(statusText(later).text).not.toMatch(/SHA|hash/i);
    // /cancel stops a file still being got ready, by the id it will be offered under; its
    // file-failed then takes the bar away with a line saying why.
    expect(interpretLine('/cancel', later).commands).toEqual([
      { cmd: 'cancel-file', peer: BOB, id: 'o1' },
    ]);
    const cancelled = reduce(
      later,
      {
        event: 'file-failed',
        peer: BOB,
        id: 'o1',
        reason: 'cancelled',
        message: 'You cancelled the transfer.',
      },
      AT + 1500,
    );
    expect(cancelled.transfers).toEqual([]);
    expect(statusText(cancelled).text).not.toContain('Getting');
    expect(interpretLine('/cancel', cancelled).note).toMatch(/No file transfer/);
    const offered = reduce(
      later,
      {
        event: 'file-offered',
        peer: BOB,
        id: 'o1',
        name: 'film.mkv',
        size: 40 * MiB,
        sha256: 'b'.repeat(64),
        path: '/home/a/film.mkv',
      },
      AT + 2000,
    );
    expect(offered.transfers).toEqual([
      expect.objectContaining({ id: 'o1', state: 'offered', bytes: 0 }),
    ]);
    expect(statusText(offered).text).not.toContain('Getting');
    // A late preparing report does not turn the offer back.
    expect(reduce(offered, preparing(32 * MiB), AT + 3000).transfers).toEqual(offered.transfers);
    // A send that failed while its file was read leaves no bar behind.
    expect(withoutPreparing(later, BOB).transfers).toEqual([]);
    expect(withoutPreparing(offered, BOB)).toBe(offered);
  });

  it('shows progress with bytes, rate and time left', () => {
    const state = [
      bobConnected,
      offer,
      { event: 'file-progress', peer: BOB, id: 'f1', bytes: 0, size: 2048 } as ChatEvent,
    ].reduce((s, e) => reduce(s, e, AT), initialState);
    const moving = reduce(
      state,
      { event: 'file-progress', peer: BOB, id: 'f1', bytes: 1024, size: 2048 },
      AT + 1000,
    );
    const t = moving.transfers![0]!;
    expect(progressBar(t)).toBe('↓ cat.png [#####-----] 50% 1.0 KiB/2.0 KiB 1.0 KiB/s 0:01 left');
    const done = reduce(
      moving,
      { event: 'file-done', peer: BOB, id: 'f1', path: '/d/cat.png', sha256: 'a'.repeat(64) },
      AT,
    );
    expect(done.transfers).toEqual([]);
  });
});
