// Protects the Node adapter of the channel over real byte streams (TCP on 127.0.0.1 and a
// Duplex pair): both handshake modes, refusals and failures as typed errors, the check of the
// responder's key before our identity leaves, timeouts, garbage, backpressure and close.
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type InitiatorOptions,
  type ResponderOptions,
  type SecureConnection,
  secureInitiate,
  secureRespond,
} from '../../src/adapters/secure-connection.js';
import {
  encodeFrame,
  encodeHandshakeStatus,
  InitiatorHandshake,
  MAX_CHANNEL_MESSAGE_BYTES,
  SecureChannel,
} from '../../src/channel/index.js';
import { concatBytes } from '../../src/crypto/index.js';
import { CryptullyError } from '../../src/errors.js';
import { FIXED, OK, stream } from './helpers.js';
import { duplexPair, recordWrites, tcpPair } from './streams.js';

const text = (s: string) => new TextEncoder().encode(s);
const opened: Duplex[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.destroy();
});

const pairs = {
  tcp: async () => {
    const pair = await tcpPair();
    opened.push(...pair);
    return pair;
  },
  duplex: async () => {
    const pair = duplexPair();
    opened.push(...pair);
    return pair;
  },
};

/** Resolves with the next `count` messages of a connection. */
function nextMessages(connection: SecureConnection, count: number): Promise<Uint8Array[]> {
  return new Promise((resolve) => {
    const got: Uint8Array[] = [];
    const onMessage = (m: Uint8Array) => {
      got.push(Uint8Array.from(m));
      if (got.length === count) resolve(got);
    };
    connection.on('message', onMessage);
  });
}

const closed = (connection: SecureConnection) =>
  new Promise<CryptullyError | undefined>((resolve) => connection.on('close', resolve));

interface StartOptions {
  psk?: boolean;
  initiator?: Partial<InitiatorOptions>;
  onPrelude?: ResponderOptions['onPrelude'];
}

/** Starts both handshakes on a pair, with the fixed keys; returns the two promises. */
function start(pair: [Duplex, Duplex], options: StartOptions = {}) {
  const psk = options.psk ?? false;
  return [
    secureInitiate(pair[0], {
      staticKeyPair: FIXED.initiatorStatic,
      ...(psk ? { psk: FIXED.psk, inviteId: FIXED.inviteId } : {}),
      ...options.initiator,
    }),
    secureRespond(pair[1], {
      staticKeyPair: FIXED.responderStatic,
      onPrelude: options.onPrelude ?? (() => ({ payload: OK, ...(psk ? { psk: FIXED.psk } : {}) })),
    }),
  ] as const;
}

const connect = (pair: [Duplex, Duplex], psk: boolean) => Promise.all(start(pair, { psk }));

/**
 * A responder connection whose initiator is played by hand with the pure driver on the raw
 * stream, so a test can then write anything it likes.
 */
async function rawInitiatorTo(pair: [Duplex, Duplex]) {
  const [raw, responderEnd] = pair;
  const driver = new InitiatorHandshake({ staticKeyPair: FIXED.initiatorStatic });
  raw.write(stream(driver.start()));
  const responder = secureRespond(responderEnd, {
    staticKeyPair: FIXED.responderStatic,
    onPrelude: () => ({ payload: OK }),
  });
  const [msg2] = (await once(raw, 'data')) as [Uint8Array];
  const step = driver.receive(msg2);
  raw.write(stream(step.frames));
  return { raw, channel: new SecureChannel(step.result!), bob: await responder };
}

describe.each(Object.entries(pairs))('secure connection over %s', (_name, makePair) => {
  it.each([false, true])('connects (psk=%s), talks both ways, and closes cleanly', async (psk) => {
    const [alice, bob] = await connect(await makePair(), psk);
    expect(alice.remoteStaticPublicKey).toEqual(FIXED.responderStatic.publicKey);
    expect(bob.remoteStaticPublicKey).toEqual(FIXED.initiatorStatic.publicKey);
    expect(alice.handshakeHash).toEqual(bob.handshakeHash);
    const big = new Uint8Array(MAX_CHANNEL_MESSAGE_BYTES).map((_, i) => i * 7);
    const atBob = nextMessages(bob, 3);
    alice.send(text('hello'));
    alice.send(big);
    alice.send(new Uint8Array(0));
    const received = await atBob;
    expect(received[0]).toEqual(text('hello'));
    expect(Buffer.from(received[1]!).equals(Buffer.from(big))).toBe(true);
    expect(received[2]!.length).toBe(0);
    const atAlice = nextMessages(alice, 1);
    bob.send(text('hi'));
    expect(await atAlice).toEqual([text('hi')]);
    const closes = [closed(alice), closed(bob)];
    alice.end();
    expect(await Promise.all(closes)).toEqual([undefined, undefined]);
    expect(() => alice.send(text('late'))).toThrow(
      expect.objectContaining({ code: 'ERR_CHANNEL_CLOSED' }),
    );
  });

  it('fails the responder with an opaque handshake error on a wrong psk', async () => {
    const [alice, bob] = start(await makePair(), {
      psk: true,
      onPrelude: () => ({ payload: OK, psk: new Uint8Array(32).fill(1) }),
    });
    await expect(bob).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_FAILED' });
    // XXpsk3 ends with the initiator's msg3: it learns of the failure when the stream dies.
    const error = await closed(await alice);
    expect(error).toBeInstanceOf(CryptullyError);
    expect(['ERR_CHANNEL_TRUNCATED', 'ERR_CONNECTION_FAILED']).toContain(error!.code);
  });

  it('aborts before msg3 when checkResponder throws: the responder never learns who called', async () => {
    const pair = await makePair();
    const written = recordWrites(pair[0]);
    let learned = false;
    const [alice, bob] = start(pair, {
      initiator: {
        checkResponder() {
          throw new CryptullyError('ERR_KEY_MISMATCH', 'not the expected host');
        },
      },
    });
    bob.then(
      () => {
        learned = true;
      },
      () => {},
    );
    await Promise.all([
      expect(alice).rejects.toMatchObject({ code: 'ERR_KEY_MISMATCH' }),
      expect(bob).rejects.toMatchObject({ code: 'ERR_CONNECTION_FAILED' }),
    ]);
    expect(learned).toBe(false);
    // Only the prelude and msg1 (an ephemeral key and the commitment, which hides our static
    // key behind a random nonce) ever left: 14 + 66 bytes, no msg3.
    expect(concatBytes(...written).length).toBe(14 + 66);
  });

  it('reports a refusal to both ends with the status the responder chose', async () => {
    const [alice, bob] = start(await makePair(), {
      psk: true,
      onPrelude: () => ({ payload: encodeHandshakeStatus('invite-expired'), close: true }),
    });
    const refused = { code: 'ERR_HANDSHAKE_REJECTED', status: 'invite-expired' };
    await Promise.all([
      expect(alice).rejects.toMatchObject(refused),
      expect(bob).rejects.toMatchObject(refused),
    ]);
  });

  it('times out against a silent peer, on both roles', async () => {
    // The other end of each pair stays open and says nothing.
    const [a] = await makePair();
    await expect(
      secureInitiate(a, { staticKeyPair: FIXED.initiatorStatic, handshakeTimeoutMs: 150 }),
    ).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
    const [, d] = await makePair();
    await expect(
      secureRespond(d, {
        staticKeyPair: FIXED.responderStatic,
        handshakeTimeoutMs: 150,
        onPrelude: () => ({ payload: OK }),
      }),
    ).rejects.toMatchObject({ code: 'ERR_HANDSHAKE_TIMEOUT' });
  });

  it('rejects garbage instead of a handshake with a typed error', async () => {
    const [a, b] = await makePair();
    const bob = secureRespond(b, {
      staticKeyPair: FIXED.responderStatic,
      onPrelude: () => ({ payload: OK }),
    });
    a.write(text('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
    await expect(bob).rejects.toMatchObject({ code: 'ERR_FRAME_TOO_LARGE' });
  });

  it('fails closed on garbage after the handshake, delivering nothing forged', async () => {
    const { raw, channel, bob } = await rawInitiatorTo(await makePair());
    raw.write(stream(channel.seal(text('genuine'))));
    const got: Uint8Array[] = [];
    bob.on('message', (m) => got.push(Uint8Array.from(m)));
    const whyClosed = closed(bob);
    raw.write(encodeFrame(new Uint8Array(40).fill(0x41)));
    expect(await whyClosed).toMatchObject({ code: 'ERR_CHANNEL_DECRYPT' });
    expect(got).toEqual([text('genuine')]);
  });

  it('reports a stream cut without a goodbye as truncated', async () => {
    const { raw, bob } = await rawInitiatorTo(await makePair());
    const whyClosed = closed(bob);
    raw.end();
    expect(await whyClosed).toMatchObject({ code: 'ERR_CHANNEL_TRUNCATED' });
  });

  it('keeps messages that arrive before a listener is attached', async () => {
    const [alice, bob] = await connect(await makePair(), false);
    alice.send(text('one'));
    alice.send(text('two'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await nextMessages(bob, 2)).toEqual([text('one'), text('two')]);
    const closes = [closed(alice), closed(bob)];
    bob.end();
    expect(await Promise.all(closes)).toEqual([undefined, undefined]);
  });

  it('destroy(error) reports that error locally and truncation to the peer', async () => {
    const [alice, bob] = await connect(await makePair(), false);
    const closes = [closed(alice), closed(bob)];
    alice.destroy(new CryptullyError('ERR_TEST', 'stop'));
    const [mine, theirs] = await Promise.all(closes);
    expect(mine).toMatchObject({ code: 'ERR_TEST' });
    expect(['ERR_CHANNEL_TRUNCATED', 'ERR_CONNECTION_FAILED']).toContain(theirs!.code);
  });
});

describe('secure connection over tcp: backpressure', () => {
  it('returns false when the socket is full and emits drain; everything arrives in order', async () => {
    const [alice, bob] = await connect(await pairs.tcp(), false);
    const message = new Uint8Array(256 * 1024).fill(3);
    const count = 24;
    const atBob = nextMessages(bob, count);
    let sawBackpressure = false;
    for (let i = 0; i < count; i++) {
      message[0] = i;
      if (!alice.send(message)) {
        sawBackpressure = true;
        await once(alice as unknown as NodeJS.EventEmitter, 'drain');
      }
    }
    const got = await atBob;
    expect(sawBackpressure).toBe(true);
    expect(got.map((m) => m[0])).toEqual(Array.from({ length: count }, (_, i) => i));
    alice.end();
    await closed(bob);
  });
});

describe('secure connection over tcp: a reset', () => {
  it('maps a connection reset by the peer to ERR_CONNECTION_FAILED', async () => {
    const pair = await pairs.tcp();
    const [alice, bob] = await connect(pair, false);
    const whyClosed = closed(alice);
    (pair[1] as import('node:net').Socket).resetAndDestroy();
    expect(await whyClosed).toMatchObject({
      code: 'ERR_CONNECTION_FAILED',
      message: expect.stringContaining('ECONNRESET'),
    });
    bob.destroy();
  });
});
