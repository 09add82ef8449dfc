import { ERROR_CODES, JOIN_ENDING_CODES, transferSpeed } from '@cryptully/core/protocol';
import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../src/bridge/app-protocol.js';
import {
  deliveryLabel,
  formatTime,
  initials,
  VERIFICATION_BADGES,
} from '../src/renderer/format.js';
import {
  type Action,
  conversationList,
  currentConversation,
  initialState,
  reduce,
  shouldNotify,
  shownVerification,
  transfersWith,
  type ViewState,
} from '../src/renderer/state.js';

const ev = (event: AppEvent): Action => ({ type: 'event', event });
const run = (actions: Action[], state: ViewState = initialState()): ViewState =>
  actions.reduce(reduce, state);

const ready = ev({ event: 'app-state', state: 'ready', name: 'Ada', fingerprint: '12345 67890' });
const bobConnected = ev({
  event: 'connected',
  peer: 'bob1',
  name: 'Bob',
  fingerprint: '11111 22222',
  code: '482 913',
  verified: true,
  verification: 'invite',
});
const bobRequest = ev({
  event: 'request',
  peer: 'bob1',
  name: 'Bob',
  fingerprint: '11111 22222',
  code: '482 913',
  known: false,
  invited: true,
  keyChanged: false,
});

describe('renderer state: first run and unlocking', () => {
  it('shows setup, then ready with our name, and clears the busy flag', () => {
    const setup = run([ev({ event: 'app-state', state: 'setup' }), { type: 'busy' }]);
    expect(setup.phase).toBe('setup');
    expect(setup.busy).toBe(true);
    const done = reduce(setup, ready);
    expect(done.phase).toBe('ready');
    expect(done.busy).toBe(false);
    expect(done.me).toEqual({ name: 'Ada', fingerprint: '12345 67890' });
  });

  it('a wrong passphrase ends the busy state with an error notice', () => {
    const s = run([
      ev({ event: 'app-state', state: 'locked' }),
      { type: 'busy' },
      ev({ event: 'error', code: 'ERR_IDENTITY_WRONG_PASSPHRASE', message: 'Wrong passphrase.' }),
    ]);
    expect(s.phase).toBe('locked');
    expect(s.busy).toBe(false);
    expect(s.setupError).toBe('Wrong passphrase.');
    expect(s.notices).toEqual([]);
    expect(reduce(s, { type: 'busy' }).setupError).toBeNull();
  });
});

describe('renderer state: hosting and requests', () => {
  it('keeps the invite, replaces it on a new one, and lists requests once per peer', () => {
    const s = run([
      ready,
      { type: 'show', screen: 'host' },
      ev({
        event: 'listening',
        host: '0.0.0.0',
        port: 7000,
        invite: 'cryptully://join/A',
        addresses: ['192.0.2.1:7000'],
      }),
      ev({ event: 'invite', invite: 'cryptully://join/B', expiresAt: 99 }),
      bobRequest,
      bobRequest,
    ]);
    expect(s.hosting).toMatchObject({ invite: 'cryptully://join/B', expiresAt: 99, port: 7000 });
    expect(s.requests).toHaveLength(1);
    expect(s.screen).toBe('host');
  });

  it('shows the join code; a used one is replaced quietly, a burnt one with a notice', () => {
    const listening = ev({
      event: 'listening',
      host: '0.0.0.0',
      port: 7000,
      invite: 'cryptully://join/A',
      addresses: ['192.0.2.1:7000'],
      code: '7-acid-acorn',
    });
    let s = run([ready, { type: 'show', screen: 'host' }, listening]);
    expect(s.hosting?.joinCode).toBe('7-acid-acorn');
    s = reduce(s, ev({ event: 'code', code: '8-bush-cane', reason: 'used', message: 'used' }));
    expect(s.hosting).toMatchObject({ joinCode: '8-bush-cane', joinCodeBurnt: false });
    expect(s.notices).toEqual([]);
    s = reduce(
      s,
      ev({
        event: 'code',
        code: '9-calm-dart',
        reason: 'burnt',
        message: 'Someone tried a wrong code.',
      }),
    );
    expect(s.hosting).toMatchObject({ joinCode: '9-calm-dart', joinCodeBurnt: true });
    expect(s.notices.map((n) => [n.kind, n.text])).toEqual([
      ['error', 'Someone tried a wrong code.'],
    ]);
  });

  it('accepting (connected) removes the request and opens the conversation', () => {
    const s = run([ready, { type: 'show', screen: 'host' }, bobRequest, bobConnected]);
    expect(s.requests).toEqual([]);
    expect(s.screen).toBe('chat');
    expect(currentConversation(s)?.name).toBe('Bob');
    expect(currentConversation(s)?.verification).toBe('invite');
  });

  it('a rejected or vanished requester is removed from the waiting room', () => {
    const s = run([
      ready,
      bobRequest,
      ev({ event: 'disconnected', peer: 'bob1', reason: 'rejected', message: 'You said no.' }),
    ]);
    expect(s.requests).toEqual([]);
  });
});

describe('renderer state: joining', () => {
  it('follows connecting → waiting (with the code) → connected', () => {
    const waiting = run([
      ready,
      { type: 'show', screen: 'join' },
      ev({ event: 'connecting', target: 'example.org:7000' }),
      ev({
        event: 'waiting',
        peer: 'h1',
        name: 'Host',
        fingerprint: 'f',
        code: '111 222',
        known: false,
      }),
    ]);
    expect(waiting.join).toMatchObject({ status: 'waiting', name: 'Host', code: '111 222' });
    const connected = reduce(
      waiting,
      ev({
        event: 'connected',
        peer: 'h1',
        name: 'Host',
        fingerprint: 'f',
        code: '111 222',
        verified: false,
        verification: 'unverified',
      }),
    );
    expect(connected.join).toBeNull();
    expect(connected.selected).toBe('h1');
  });

  it('accepting someone else while joining keeps the join attempt and the open chat', () => {
    const s = run([
      ready,
      bobConnected,
      ev({ event: 'connecting', target: 'x' }),
      ev({ event: 'waiting', peer: 'h1', name: 'Host', fingerprint: 'f', code: '1', known: false }),
      ev({
        event: 'request',
        peer: 'cy',
        name: 'Cy',
        fingerprint: 'f',
        code: '2',
        known: false,
        invited: true,
        keyChanged: false,
      }),
      ev({
        event: 'connected',
        peer: 'cy',
        name: 'Cy',
        fingerprint: 'f',
        code: '2',
        verified: false,
        verification: 'unverified',
      }),
    ]);
    expect(s.join).toMatchObject({ status: 'waiting', peer: 'h1' });
    expect(s.selected).toBe('bob1');
  });

  it('a rejection turns the attempt into a failure with the plain sentence', () => {
    const s = run([
      ready,
      ev({ event: 'connecting', target: 'x' }),
      ev({ event: 'waiting', peer: 'h1', name: 'Host', fingerprint: 'f', code: '1', known: false }),
      ev({ event: 'disconnected', peer: 'h1', reason: 'rejected', message: 'Host said no.' }),
    ]);
    expect(s.join).toMatchObject({ status: 'failed', message: 'Host said no.' });
  });

  it('an unreachable host fails the attempt; an unrelated error does not', () => {
    const connecting = run([ready, ev({ event: 'connecting', target: 'x' })]);
    const other = reduce(
      connecting,
      ev({ event: 'error', code: 'ERR_NO_SUCH_PEER', message: 'm' }),
    );
    expect(other.join?.status).toBe('connecting');
    const failed = reduce(
      connecting,
      ev({ event: 'error', code: 'ERR_UNREACHABLE', message: 'No.' }),
    );
    expect(failed.join).toMatchObject({ status: 'failed', message: 'No.' });
  });

  // Issue 11, bug 1: these three left the Join panel "connecting" for ever.
  it.each(['ERR_HANDSHAKE_TIMEOUT', 'ERR_HANDSHAKE_FAILED', 'ERR_SELF'] as const)(
    'leaves "connecting" on %s',
    (code) => {
      const connecting = run([ready, ev({ event: 'connecting', target: 'x' })]);
      const failed = reduce(connecting, ev({ event: 'error', code, message: `${code}.` }));
      expect(failed.join).toMatchObject({ status: 'failed', message: `${code}.` });
    },
  );

  it('leaves "connecting" on every code core says ends a join, and on no other', () => {
    const connecting = run([ready, ev({ event: 'connecting', target: 'x' })]);
    for (const code of ERROR_CODES) {
      const next = reduce(connecting, ev({ event: 'error', code, message: 'm' }));
      expect(next.join?.status, code).toBe(JOIN_ENDING_CODES.has(code) ? 'failed' : 'connecting');
    }
  });
});

describe('renderer state: messages and delivery', () => {
  const chatting = run([ready, bobConnected]);

  it('our message goes sending → delivered; a queued one says it waits', () => {
    const sending = reduce(
      chatting,
      ev({ event: 'sent', peer: 'bob1', id: 'm1', text: 'hi', at: 10, queued: false }),
    );
    expect(currentConversation(sending)?.messages[0]).toMatchObject({
      from: 'me',
      delivery: 'sending',
    });
    const delivered = reduce(sending, ev({ event: 'delivered', peer: 'bob1', id: 'm1' }));
    expect(currentConversation(delivered)?.messages[0]?.delivery).toBe('delivered');
    const queued = reduce(
      chatting,
      ev({ event: 'sent', peer: 'bob1', id: 'm2', text: 'later', at: 11, queued: true }),
    );
    expect(currentConversation(queued)?.messages[0]?.delivery).toBe('queued');
  });

  it('undelivered, then delivered after the reconnect, is shown as re-sent', () => {
    const s = run(
      [
        ev({ event: 'sent', peer: 'bob1', id: 'm1', text: 'hi', at: 10, queued: false }),
        ev({ event: 'undelivered', peer: 'bob1', ids: ['m1'] }),
      ],
      chatting,
    );
    const message = currentConversation(s)?.messages[0];
    expect(message?.delivery).toBe('undelivered');
    expect(deliveryLabel(message!)).toMatch(/not delivered/i);
    const after = reduce(s, ev({ event: 'delivered', peer: 'bob1', id: 'm1' }));
    expect(currentConversation(after)?.messages[0]).toMatchObject({
      delivery: 'delivered',
      resent: true,
    });
    expect(deliveryLabel(currentConversation(after)!.messages[0]!)).toBe(
      'Delivered after re-sending',
    );
  });

  it('a message shown twice (re-sent by the peer) appears once', () => {
    const m = ev({ event: 'message', peer: 'bob1', id: 'x', text: 'yo', at: 5 });
    expect(currentConversation(run([m, m], chatting))?.messages).toHaveLength(1);
  });

  it('counts unread messages only for conversations not being read, and clears on select', () => {
    const s = run(
      [
        ev({
          event: 'connected',
          peer: 'cy',
          name: 'Cy',
          fingerprint: 'f',
          code: 'c',
          verified: false,
          verification: 'unverified',
        }),
        ev({ event: 'message', peer: 'cy', id: '1', text: 'a', at: 20 }),
        ev({ event: 'message', peer: 'cy', id: '2', text: 'b', at: 21 }),
        ev({ event: 'message', peer: 'bob1', id: '3', text: 'c', at: 22 }),
      ],
      chatting,
    );
    expect(s.conversations.cy?.unread).toBe(2);
    expect(s.conversations.bob1?.unread).toBe(0);
    expect(conversationList(s).map((c) => c.peer)).toEqual(['bob1', 'cy']);
    expect(reduce(s, { type: 'select', peer: 'cy' }).conversations.cy?.unread).toBe(0);
  });

  it('counts unread in the open conversation while the window is not focused', () => {
    const s = run(
      [
        { type: 'focus', focused: false },
        ev({ event: 'message', peer: 'bob1', id: '1', text: 'a', at: 1 }),
      ],
      chatting,
    );
    expect(s.conversations.bob1?.unread).toBe(1);
    expect(shouldNotify(s, { event: 'message', peer: 'bob1', id: '2', text: 'b', at: 2 })).toBe(
      true,
    );
    const back = reduce(s, { type: 'focus', focused: true });
    expect(back.conversations.bob1?.unread).toBe(0);
    expect(shouldNotify(back, { event: 'message', peer: 'bob1', id: '2', text: 'b', at: 2 })).toBe(
      false,
    );
  });

  it('typing shows while typing and ends with the message', () => {
    const typing = reduce(chatting, ev({ event: 'typing', peer: 'bob1', state: 'typing' }));
    expect(currentConversation(typing)?.typing).toBe('typing');
    const after = reduce(typing, ev({ event: 'message', peer: 'bob1', id: '1', text: 'a', at: 1 }));
    expect(currentConversation(after)?.typing).toBe('idle');
  });
});

describe('renderer state: verification and key changes', () => {
  const chatting = run([ready, bobConnected]);

  it('opens the verify panel only on a conversation, closes it, and records the code check', () => {
    expect(reduce(run([ready]), { type: 'open-verify' }).verifyOpen).toBe(false);
    const open = reduce(chatting, { type: 'open-verify' });
    expect(open.verifyOpen).toBe(true);
    expect(reduce(open, { type: 'close-dialog' }).verifyOpen).toBe(false);
    const verified = reduce(open, ev({ event: 'verified', peer: 'bob1', verification: 'code' }));
    expect(VERIFICATION_BADGES[currentConversation(verified)!.verification].label).toBe(
      'Code compared',
    );
  });

  // A new key is a new peer id (it is derived from the key): the warning has to find the
  // conversation of the old key by its fingerprint.
  const keyChange = [
    ev({ event: 'disconnected', peer: 'bob1', reason: 'goodbye', message: 'The peer left.' }),
    ev({ event: 'key-changed', peer: 'bob2', name: 'Bob', old: '11111 22222', new: '33333' }),
    ev({
      event: 'request',
      peer: 'bob2',
      name: 'Bob',
      fingerprint: '33333',
      code: '9',
      known: true,
      invited: false,
      keyChanged: true,
    }),
  ];
  const badgeOf = (state: ViewState) =>
    VERIFICATION_BADGES[shownVerification(state, currentConversation(state)!)].label;

  it('a key change raises a warning and a red "Key changed" badge on the old conversation until the decision', () => {
    const warned = run(keyChange, chatting);
    expect(warned.keyWarnings).toEqual([
      {
        peer: 'bob2',
        name: 'Bob',
        oldFingerprint: '11111 22222',
        newFingerprint: '33333',
        conversation: 'bob1',
      },
    ]);
    expect(currentConversation(warned)?.peer).toBe('bob1');
    expect(badgeOf(warned)).toBe('Key changed');
    expect(VERIFICATION_BADGES['key-changed'].tone).toBe('danger');
  });

  it('after "Trust the new key" the conversation moves to the new key and is Unverified', () => {
    const trusted = reduce(
      run(keyChange, chatting),
      ev({
        event: 'connected',
        peer: 'bob2',
        name: 'Bob',
        fingerprint: '33333',
        code: '9',
        verified: false,
        verification: 'unverified',
      }),
    );
    expect(trusted.keyWarnings).toEqual([]);
    expect(Object.keys(trusted.conversations)).toEqual(['bob2']);
    expect(currentConversation(trusted)?.peer).toBe('bob2');
    expect(badgeOf(trusted)).toBe('Unverified');
  });

  it('after Reject the old conversation shows its old verification again', () => {
    const rejected = reduce(
      run(keyChange, chatting),
      ev({ event: 'disconnected', peer: 'bob2', reason: 'rejected', message: 'Rejected.' }),
    );
    expect(rejected.keyWarnings).toEqual([]);
    expect(rejected.requests).toEqual([]);
    expect(badgeOf(rejected)).toBe('Verified by invite');
  });

  it("the status line of an offline friend is the app's own sentence from the reason code", () => {
    const left = run(keyChange.slice(0, 1), chatting);
    expect(currentConversation(left)?.note).toBe('Bob left the chat.');
    const lost = reduce(
      chatting,
      ev({ event: 'disconnected', peer: 'bob1', reason: 'closed', message: 'x' }),
    );
    expect(currentConversation(lost)?.note).toBe('The connection to Bob was lost.');
    const odd = reduce(
      chatting,
      ev({ event: 'disconnected', peer: 'bob1', reason: 'from-the-future', message: 'x' }),
    );
    expect(currentConversation(odd)?.note).toBe('The chat with Bob ended.');
  });
});

describe('renderer state: the bridge', () => {
  it('starts from a clean slate when the connection comes back (the back end replays)', () => {
    const s = run([
      { type: 'bridge', status: 'open' },
      ready,
      bobConnected,
      { type: 'bridge', status: 'closed' },
    ]);
    expect(s.bridge).toBe('closed');
    const back = reduce(s, { type: 'bridge', status: 'open' });
    expect(back.bridge).toBe('open');
    expect(back.conversations).toEqual({});
    expect(back.phase).toBe('loading');
  });

  it('keeps at most three notices and dismisses them by id', () => {
    const errors = [1, 2, 3, 4].map((n) =>
      ev({ event: 'error', code: 'ERR_QUEUE_FULL', message: `e${n}` }),
    );
    const s = run(errors);
    expect(s.notices.map((n) => n.text)).toEqual(['e2', 'e3', 'e4']);
    expect(reduce(s, { type: 'dismiss', id: s.notices[0]!.id }).notices).toHaveLength(2);
  });
});

describe('format', () => {
  it('shows the time alone today and the date before that', () => {
    const now = new Date(2026, 10, 26, 15, 0).getTime();
    const today = formatTime(new Date(2026, 10, 26, 9, 5).getTime(), now, 'en-GB');
    expect(today).toBe('09:05');
    const before = formatTime(new Date(2026, 10, 24, 9, 5).getTime(), now, 'en-GB');
    expect(before).toBe('24 Nov, 09:05');
  });

  it('makes initials from one or two words', () => {
    expect(initials('Ada Lovelace')).toBe('AL');
    expect(initials('bob')).toBe('BO');
    expect(initials('  ')).toBe('?');
  });
});

describe('renderer state: file transfers', () => {
  const at = (event: AppEvent, now: number): Action => ({ type: 'event', event, now });
  const offer = ev({
    event: 'file-offer',
    peer: 'bob1',
    id: 'f1',
    name: 'photo.jpg',
    size: 4096,
    sha256: 'ab',
    type: 'image/jpeg',
  });

  it('an offer waits for an answer, moves with a rate and time left, and stays when done', () => {
    const offered = run([ready, bobConnected, offer]);
    expect(transfersWith(offered, 'bob1')).toMatchObject([
      { id: 'f1', direction: 'in', state: 'offered', bytes: 0 },
    ]);
    // Bob's conversation is on screen: the row says it, no notice covers it.
    expect(offered.notices.some((n) => n.text.includes('photo.jpg'))).toBe(false);
    const elsewhere = run([ready, bobConnected, { type: 'show', screen: 'start' }, offer]);
    expect(elsewhere.notices.at(-1)?.text).toBe('Bob offers the file "photo.jpg".');
    const moving = run(
      [
        at({ event: 'file-progress', peer: 'bob1', id: 'f1', bytes: 1024, size: 4096 }, 10_000),
        at({ event: 'file-progress', peer: 'bob1', id: 'f1', bytes: 2048, size: 4096 }, 11_000),
      ],
      offered,
    );
    const t = moving.transfers[0]!;
    expect(t).toMatchObject({ state: 'moving', bytes: 2048, since: { at: 10_000, bytes: 1024 } });
    expect(transferSpeed(t)).toEqual({ perSecond: 1024, secondsLeft: 2 });
    const done = run(
      [
        at(
          { event: 'file-done', peer: 'bob1', id: 'f1', path: '/dl/photo.jpg', sha256: 'ab' },
          12_000,
        ),
      ],
      moving,
    );
    expect(done.transfers[0]).toMatchObject({ state: 'done', bytes: 4096, path: '/dl/photo.jpg' });
    // A late progress report does not bring a finished transfer back.
    const late = run(
      [ev({ event: 'file-progress', peer: 'bob1', id: 'f1', bytes: 10, size: 4096 })],
      done,
    );
    expect(late.transfers[0]?.state).toBe('done');
    expect(run([{ type: 'dismiss-transfer', peer: 'bob1', id: 'f1' }], done).transfers).toEqual([]);
  });

  it('our file being got ready shows at once with a bar, and becomes the offered row', () => {
    const preparing = (bytes: number, now: number) =>
      at(
        {
          event: 'file-preparing',
          peer: 'bob1',
          id: 'o1',
          name: 'film.mkv',
          path: '/home/ada/film.mkv',
          bytes,
          size: 8192,
        },
        now,
      );
    const started = run([ready, bobConnected, preparing(1024, 10_000), preparing(3072, 11_000)]);
    expect(transfersWith(started, 'bob1')).toMatchObject([
      { id: 'o1', direction: 'out', name: 'film.mkv', state: 'preparing', bytes: 3072, size: 8192 },
    ]);
    expect(transferSpeed(started.transfers[0]!)).toEqual({ perSecond: 2048, secondsLeft: 2.5 });
    const offered = run(
      [
        ev({
          event: 'file-offered',
          peer: 'bob1',
          id: 'o1',
          name: 'film.mkv',
          size: 8192,
          sha256: 'cd',
          path: '/home/ada/film.mkv',
        }),
      ],
      started,
    );
    expect(offered.transfers).toEqual([
      expect.objectContaining({ id: 'o1', direction: 'out', state: 'offered', bytes: 0 }),
    ]);
    // A late preparing report does not turn the offer back.
    expect(run([preparing(4096, 12_000)], offered).transfers[0]?.state).toBe('offered');
    // A send that failed while its file was read leaves no row behind.
    const failed = run(
      [ev({ event: 'error', code: 'ERR_FILE_IO_ERROR', message: 'The disk failed.' })],
      started,
    );
    expect(failed.transfers).toEqual([]);
    // Cancel while it is got ready: the row says so, and a late report does not revive it.
    const cancelled = run(
      [
        ev({
          event: 'file-failed',
          peer: 'bob1',
          id: 'o1',
          reason: 'cancelled',
          message: 'You cancelled the transfer.',
        }),
        preparing(4096, 12_000),
      ],
      started,
    );
    expect(cancelled.transfers).toEqual([
      expect.objectContaining({
        id: 'o1',
        state: 'failed',
        message: '"film.mkv" was not transferred: You cancelled the transfer.',
      }),
    ]);
  });

  it('a folder offer says so and counts its files', () => {
    const state = run([
      ready,
      bobConnected,
      { type: 'show', screen: 'start' },
      ev({
        event: 'file-offer',
        peer: 'bob1',
        id: 'd1',
        name: 'photos',
        size: 10,
        sha256: 'ab',
        type: 'inode/directory',
        kind: 'folder',
        entries: 3,
      }),
    ]);
    expect(state.transfers[0]).toMatchObject({ name: 'photos', entries: 3 });
    expect(state.notices.at(-1)?.text).toBe('Bob offers the folder "photos".');
  });

  it('a failure stays on its row in one sentence (and as a notice elsewhere)', () => {
    const failed = run([
      ready,
      bobConnected,
      { type: 'show', screen: 'start' },
      offer,
      ev({
        event: 'file-failed',
        peer: 'bob1',
        id: 'f1',
        reason: 'cancelled',
        message: 'Bob cancelled it.',
      }),
    ]);
    expect(failed.transfers[0]).toMatchObject({
      state: 'failed',
      message: '"photo.jpg" was not transferred: Bob cancelled it.',
    });
    expect(failed.notices.at(-1)).toMatchObject({ kind: 'error' });
  });

  it('a browser upload shows its progress, then gives way to the offer', () => {
    const uploading = run([
      ready,
      bobConnected,
      { type: 'upload', peer: 'bob1', upload: 'u1', name: 'a.bin', size: 100 },
      at({ event: 'upload-ack', upload: 'u1', bytes: 50 }, 5),
    ]);
    expect(uploading.transfers).toMatchObject([
      { id: 'u1', direction: 'out', state: 'uploading', bytes: 50 },
    ]);
    // Another tab's upload id (or a stale one) changes nothing.
    expect(run([ev({ event: 'upload-ack', upload: 'zz', bytes: 1 })], uploading)).toBe(uploading);
    expect(run([ev({ event: 'upload-done', upload: 'u1' })], uploading).transfers).toEqual([]);
    const failed = run(
      [ev({ event: 'upload-failed', upload: 'u1', message: 'The disk is full.' })],
      uploading,
    );
    expect(failed.transfers[0]).toMatchObject({
      state: 'failed',
      message: '"a.bin" was not sent: The disk is full.',
    });
  });
});
