import type { ChatEvent } from '@cryptully/core/protocol';
import { describe, expect, it } from 'vitest';
import { statusText } from '../src/tui/status-bar.js';
import {
  currentConversation,
  initialState,
  noteJoin,
  pendingRequests,
  reduce,
  switchTo,
  type UiState,
} from '../src/ui-state.js';
import {
  AT,
  BOB,
  bobConnected,
  CAROL,
  listening,
  requestFromBob,
} from './helpers/scripted-node.js';

const run = (events: ChatEvent[], start: UiState = initialState) =>
  events.reduce((state, event) => reduce(state, event, AT), start);

describe('the view-model reducer', () => {
  it('turns a host session into a home log with the invite on a line of its own', () => {
    const state = run([{ event: 'ready', name: 'Alice', fingerprint: '123 456' }, listening]);
    expect(state.me).toEqual({ name: 'Alice', fingerprint: '123 456' });
    expect(state.invite).toBe('cryptully://join/AAAA');
    expect(state.home.map((line) => line.kind)).toEqual(['info', 'info', 'info', 'invite']);
    expect(state.home.at(-1)?.text).toBe('cryptully://join/AAAA');
    expect(state.current).toBeNull();
  });

  it('shows the join code after the invite, and each new code with why the last one went', () => {
    let state = run([{ ...listening, code: '7-acid-acorn' } as ChatEvent]);
    expect(state.joinCode).toBe('7-acid-acorn');
    expect(state.home.map((line) => line.kind)).toEqual([
      'info',
      'info',
      'invite',
      'info',
      'invite',
    ]);
    expect(state.home.at(-1)?.text).toBe('7-acid-acorn');
    state = run(
      [
        {
          event: 'code',
          code: '12-bush-cane',
          reason: 'burnt',
          message:
            'Someone tried a wrong code, so it was burnt; make a new one: your new code is 12-bush-cane.',
        },
      ],
      state,
    );
    expect(state.joinCode).toBe('12-bush-cane');
    expect(state.home.at(-2)).toMatchObject({
      kind: 'warning',
      text: expect.stringMatching(/^Someone tried a wrong code/),
    });
    expect(state.home.at(-1)).toMatchObject({ kind: 'invite', text: '12-bush-cane' });
  });

  it('opens a conversation on a request, clears the request on connect, tracks messages', () => {
    let state = run([listening, requestFromBob]);
    expect(state.current).toBe(BOB);
    expect(pendingRequests(state).map((c) => c.name)).toEqual(['Bob']);
    expect(currentConversation(state)?.lines.at(-1)?.text).toBe(
      'Bob wants to chat. Code: 482 913. Type /accept or /reject.',
    );
    state = run(
      [
        bobConnected,
        { event: 'typing', peer: BOB, state: 'typing' },
        { event: 'message', peer: BOB, id: 'm1', text: 'hi', at: AT },
        { event: 'sent', peer: BOB, id: 'o1', text: 'hello', at: AT, queued: false },
        { event: 'sent', peer: BOB, id: 'o2', text: 'still there?', at: AT, queued: false },
        { event: 'delivered', peer: BOB, id: 'o1' },
        { event: 'undelivered', peer: BOB, ids: ['o2'] },
      ],
      state,
    );
    const bob = currentConversation(state)!;
    expect(pendingRequests(state)).toEqual([]);
    expect(bob.state).toBe('connected');
    expect(bob.typing).toBe('idle');
    const messages = bob.lines.filter((line) => line.kind === 'in' || line.kind === 'out');
    expect(messages.map((line) => [line.text, line.delivery])).toEqual([
      ['hi', undefined],
      ['hello', 'delivered'],
      ['still there?', 'undelivered'],
    ]);
    expect(bob.lines.at(-1)?.text).toMatch(/1 message was not delivered.*when Bob reconnects/);
  });

  it('counts unread messages in conversations not shown, and clears them on switch', () => {
    let state = run([
      bobConnected,
      { ...bobConnected, peer: CAROL, name: 'Carol' },
      { event: 'message', peer: CAROL, id: 'c1', text: 'psst', at: AT },
      { event: 'message', peer: CAROL, id: 'c2', text: 'psst!', at: AT },
      { event: 'message', peer: BOB, id: 'b1', text: 'here', at: AT },
    ]);
    expect(state.current).toBe(BOB);
    expect(state.conversations.map((c) => [c.name, c.unread])).toEqual([
      ['Bob', 0],
      ['Carol', 2],
    ]);
    state = switchTo(state, CAROL);
    expect(state.conversations.map((c) => c.unread)).toEqual([0, 0]);
  });

  it('marks a key change loudly and keeps it until the peer is verified again', () => {
    const state = run([
      { event: 'key-changed', peer: BOB, name: 'Bob', old: '111', new: '999' },
      { ...requestFromBob, keyChanged: true, known: true },
    ]);
    const bob = currentConversation(state)!;
    expect(bob.verification).toBe('key-changed');
    expect(bob.request?.keyChanged).toBe(true);
    expect(bob.lines[0]?.kind).toBe('warning');
    expect(bob.lines[0]?.text).toMatch(
      /WARNING: Bob's key has changed.*pretending to be Bob.*Old fingerprint: 111. New fingerprint: 999./,
    );
    expect(bob.lines[1]?.text).toMatch(/\/accept yes only if you checked/);
  });

  it('records verification, and says a goodbye in its own words (the peer chose the text)', () => {
    const state = run([
      bobConnected,
      { event: 'verified', peer: BOB, verification: 'code' },
      { event: 'disconnected', peer: BOB, reason: 'goodbye', message: 'The peer left: ESC[2J' },
    ]);
    const bob = currentConversation(state)!;
    expect(bob.verification).toBe('code');
    expect(bob.state).toBe('disconnected');
    expect(bob.lines.at(-2)?.text).toBe('Bob left the chat.');
  });

  it('shows a joiner by invite as verified by invite while the host decides (the invite pinned its key)', () => {
    const waiting: ChatEvent = {
      event: 'waiting',
      peer: BOB,
      name: 'Bob',
      fingerprint: '9 9',
      code: '482 913',
      known: false,
    };
    const connecting: ChatEvent = { event: 'connecting', target: '127.0.0.1:7677' };
    const byInvite = run([connecting, waiting], noteJoin(initialState, 'cryptully://join/AQCn'));
    expect(currentConversation(byInvite)?.verification).toBe('invite');
    expect(statusText(byInvite).text).toContain('verified by invite');
    expect(statusText(byInvite).text).not.toContain('unverified');
    expect(byInvite.home.at(-1)?.text).toBe(
      "Connecting to 127.0.0.1:7677 with your friend's invite…",
    );
    const byAddress = run([connecting, waiting], noteJoin(initialState, '127.0.0.1:7677'));
    expect(currentConversation(byAddress)?.verification).toBe('unverified');
    expect(statusText(byAddress).text).toContain('unverified — type /verify');
  });

  it('says how the chat runs and who sees your address, in the status bar and once in the log', () => {
    const cases = [
      ['holepunch', 'direct through your router (hole punched)', /Bob and the DHT nodes/],
      ['relay', 'relayed through 198.51.100.7:49737', /The relay sees your IP address and Bob's/],
      ['mapped', 'direct through a mapped port', /your router forwards the port/],
    ] as const;
    for (const [path, label, exposure] of cases) {
      const state = run([
        bobConnected,
        { ...bobConnected, path, remoteAddress: '198.51.100.7:49737' } as ChatEvent,
      ]);
      expect(statusText(state).text).toContain(`Bob │ connected ${label} │`);
      const line = currentConversation(state)!.lines.find((l) => l.text.includes(label));
      expect(line?.text).toMatch(exposure);
    }
    // A peer's address is shown as text only: no terminal escapes get through.
    const hostile = run([
      { ...bobConnected, path: 'relay', remoteAddress: '1.2.3.4:5\u001b[2J' } as ChatEvent,
    ]);
    expect(statusText(hostile).text).not.toContain('\u001b');
    // Without a path (an older engine), the status says only "connected".
    expect(statusText(run([bobConnected])).text).toContain('Bob │ connected │');
  });

  it('tells a joiner whose last conversation ended how to leave, but not a host', () => {
    const ended = {
      event: 'disconnected',
      peer: BOB,
      reason: 'rejected',
      message: 'The host declined your request.',
    } as const;
    const joiner = run([bobConnected, ended]);
    expect(
      currentConversation(joiner)!
        .lines.slice(-2)
        .map((l) => l.text),
    ).toEqual([
      'The host declined your request.',
      'Type /join with an invite or address to chat again, or /quit (or press Ctrl-C) to leave.',
    ]);
    const host = run([listening, bobConnected, ended]);
    expect(currentConversation(host)!.lines.at(-1)?.text).toBe('The host declined your request.');
  });

  it('puts errors without a conversation, and failures to join, in the home log', () => {
    const state = run([
      { event: 'connecting', target: 'cryptully://join/xyz' },
      { event: 'error', code: 'ERR_UNREACHABLE', message: 'Nobody answered at 10.0.0.1:4000.' },
    ]);
    expect(state.home.map((line) => line.text)).toEqual([
      "Connecting to your friend's invite…",
      'Nobody answered at 10.0.0.1:4000.',
    ]);
  });

  it('strips terminal control sequences from names and messages', () => {
    const state = run([
      { ...bobConnected, name: 'Bob\u001b[2J\u202e' },
      {
        event: 'message',
        peer: BOB,
        id: 'x',
        text: 'a\u001b]0;owned\u0007b\u0000c\nline 2',
        at: AT,
      },
    ]);
    const bob = currentConversation(state)!;
    expect(bob.name).toBe('Bob[2J');
    expect(bob.lines.at(-1)?.text).toBe('a]0;ownedbc\nline 2');
  });

  it('ignores events it does not know (a newer core) instead of failing', () => {
    const state = run([{ event: 'from-the-future' } as unknown as ChatEvent]);
    expect(state).toEqual(initialState);
  });

  it('numbers lines in order across conversations, so the plain mode can print what is new', () => {
    const state = run([listening, requestFromBob, bobConnected]);
    const seqs = [...state.home, ...state.conversations.flatMap((c) => c.lines)].map((l) => l.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(Math.max(...seqs)).toBe(state.nextSeq - 1);
  });
});
