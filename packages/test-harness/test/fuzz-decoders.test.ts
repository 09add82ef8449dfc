/**
 * Property-based fuzzing (fast-check) of the decoders that read what a peer sends: the frame
 * decoder and the prelude decoder (`@cryptully/core/channel`) and the inner message decoder
 * (`@cryptully/core/session`). Protects: that hostile bytes can only ever produce the typed
 * errors those modules document, never a crash, a hang or an oversize frame.
 * Bounded in CI; `FAST_CHECK_RUNS=100000 pnpm exec vitest run test/fuzz-decoders.test.ts`
 * runs longer by hand.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? '300');
const params = { numRuns: RUNS };

// Loaded by specifier at run time (typed by the small interfaces below); a missing module
// fails these tests, it never skips them.
const CHANNEL = '@cryptully/core/channel';
const SESSION = '@cryptully/core/session';

interface Decoder {
  push(chunk: Uint8Array): void;
  next(): Uint8Array | undefined;
}
interface KeyPairLike {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}
interface StepLike {
  frames: Uint8Array[];
  result?: unknown;
}
interface ChannelLike {
  seal(message: Uint8Array): Uint8Array[];
  receive(
    chunk: Uint8Array,
  ): Array<{ type: string; message?: Uint8Array; error?: { code?: string } }>;
}
interface ChannelModule {
  FrameDecoder: new (limits?: { minFrameBytes?: number; maxFrameBytes?: number }) => Decoder;
  encodeFrame(message: Uint8Array): Uint8Array;
  decodePrelude(bytes: Uint8Array): unknown;
  InitiatorHandshake: new (o: {
    staticKeyPair: KeyPairLike;
  }) => {
    start(): Uint8Array[];
    receive(bytes: Uint8Array): StepLike;
  };
  ResponderHandshake: new (o: {
    staticKeyPair: KeyPairLike;
    onPrelude(): { payload: Uint8Array };
  }) => { receive(bytes: Uint8Array): StepLike };
  SecureChannel: new (result: unknown) => ChannelLike;
  encodeHandshakeStatus(status: 'ok'): Uint8Array;
}
interface SessionModule {
  decodeMessage(bytes: Uint8Array): { kind: string };
  encodeMessage(message: unknown): Uint8Array;
}

/** Cuts `bytes` at the given points (sorted, deduplicated) into chunks. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...at, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

/** Fails unless `error` is a Cryptully error whose code is one of `codes`. */
function expectTyped(error: unknown, codes: readonly string[]): void {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !codes.includes(code)) throw error;
}

describe('fuzz: frame decoder', () => {
  it('reassembles any frames, however the stream is cut', async () => {
    const { FrameDecoder, encodeFrame } = (await import(CHANNEL)) as ChannelModule;
    await fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (frames, points) => {
          const stream = Buffer.concat(frames.map((frame) => encodeFrame(frame)));
          const decoder = new FrameDecoder();
          const out: Uint8Array[] = [];
          for (const chunk of cut(stream, points)) {
            decoder.push(chunk);
            for (let frame = decoder.next(); frame; frame = decoder.next()) out.push(frame.slice());
          }
          expect(out.map((f) => Buffer.from(f).toString('hex'))).toEqual(
            frames.map((f) => Buffer.from(f).toString('hex')),
          );
        },
      ),
      params,
    );
  });

  it('turns arbitrary bytes into frames within the limits or a typed error, never a crash', async () => {
    const { FrameDecoder } = (await import(CHANNEL)) as ChannelModule;
    await fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4000 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 200, max: 65535 }),
        (bytes, points, min, max) => {
          const decoder = new FrameDecoder({ minFrameBytes: min, maxFrameBytes: max });
          let failure: unknown;
          try {
            for (const chunk of cut(bytes, points)) {
              decoder.push(chunk);
              for (let frame = decoder.next(); frame; frame = decoder.next()) {
                expect(frame.length).toBeGreaterThanOrEqual(min);
                expect(frame.length).toBeLessThanOrEqual(max);
              }
            }
          } catch (error) {
            expectTyped(error, ['ERR_FRAME_TOO_LARGE', 'ERR_CHANNEL_PROTOCOL']);
            failure = error;
          }
          // Once failed, the decoder stays failed with the same error (fail closed).
          if (failure !== undefined) expect(() => decoder.next()).toThrow(failure as Error);
        },
      ),
      params,
    );
  });

  it('reads any prelude bytes as a prelude or a typed prelude error', async () => {
    const { decodePrelude } = (await import(CHANNEL)) as ChannelModule;
    const magic = Buffer.from('CRYPTULLY');
    const nearPrelude = fc
      .tuple(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 20 }),
        fc.uint8Array({ maxLength: 24 }),
      )
      .map(
        ([v, mode, n, rest]) =>
          new Uint8Array(Buffer.concat([magic, Buffer.from([v, mode, n]), rest])),
      );
    await fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), nearPrelude), (bytes) => {
        try {
          decodePrelude(bytes);
        } catch (error) {
          expectTyped(error, ['ERR_PRELUDE_MALFORMED', 'ERR_PRELUDE_VERSION', 'ERR_PRELUDE_MODE']);
        }
      }),
      params,
    );
  });
});

/** Two ends of a real channel, handshaken in memory. */
async function channelPair(): Promise<{ sender: ChannelLike; receiver: ChannelLike }> {
  const c = (await import(CHANNEL)) as ChannelModule;
  const { x25519 } = await import('@cryptully/core/crypto');
  const initiator = new c.InitiatorHandshake({ staticKeyPair: x25519.generateKeyPair() });
  const responder = new c.ResponderHandshake({
    staticKeyPair: x25519.generateKeyPair(),
    onPrelude: () => ({ payload: c.encodeHandshakeStatus('ok') }),
  });
  const join = (frames: Uint8Array[]) => new Uint8Array(Buffer.concat(frames));
  const msg2 = responder.receive(join(initiator.start()));
  const fin = initiator.receive(join(msg2.frames));
  const done = responder.receive(join(fin.frames));
  return { sender: new c.SecureChannel(fin.result), receiver: new c.SecureChannel(done.result) };
}

describe('fuzz: the encrypted channel receiver', () => {
  it('shows only genuine messages, in order, whatever is done to the bytes in between', async () => {
    const texts = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 });
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(),
        bit: fc.integer({ min: 0, max: 7 }),
      }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
      }),
      fc.record({
        kind: fc.constant('repeat' as const),
        at: fc.nat(),
        length: fc.integer({ min: 1, max: 200 }),
      }),
    );
    // The pair really works: untouched bytes show every message (else the property is empty).
    const check = await channelPair();
    const sealed = Buffer.concat(check.sender.seal(new TextEncoder().encode('genuine')));
    const events = check.receiver.receive(new Uint8Array(sealed));
    expect(events.map((e) => e.type === 'message' && Buffer.from(e.message!).toString())).toEqual([
      'genuine',
    ]);
    // Handshakes cost real key agreements: a few pairs, many properties each.
    const runs = Math.max(20, Math.floor(RUNS / 3));
    await fc.assert(
      fc.asyncProperty(
        texts,
        mutation,
        fc.array(fc.nat(), { maxLength: 10 }),
        async (messages, m, points) => {
          const { sender, receiver } = await channelPair();
          const wire = Buffer.concat(messages.flatMap((message) => sender.seal(message)));
          const at = m.at % (wire.length + 1);
          let bad: Buffer;
          if (m.kind === 'flip') {
            bad = Buffer.from(wire);
            if (bad.length > 0) bad[at % bad.length]! ^= 1 << m.bit;
          } else if (m.kind === 'cut') {
            bad = wire.subarray(0, at);
          } else if (m.kind === 'insert') {
            bad = Buffer.concat([wire.subarray(0, at), m.bytes, wire.subarray(at)]);
          } else {
            bad = Buffer.concat([
              wire.subarray(0, at),
              wire.subarray(Math.max(0, at - m.length), at),
              wire.subarray(at),
            ]);
          }
          const shown: string[] = [];
          let failed = false;
          for (const chunk of cut(new Uint8Array(bad), points)) {
            if (failed) break;
            for (const event of receiver.receive(chunk)) {
              if (event.type === 'message') shown.push(Buffer.from(event.message!).toString('hex'));
              if (event.type === 'error') {
                expectTyped(event.error, [
                  'ERR_CHANNEL_DECRYPT',
                  'ERR_CHANNEL_PROTOCOL',
                  'ERR_FRAME_TOO_LARGE',
                  'ERR_MESSAGE_TOO_LARGE',
                ]);
                failed = true;
              }
            }
          }
          const genuine = messages.map((message) => Buffer.from(message).toString('hex'));
          // Nothing forged: what was shown is the genuine messages, in order, possibly cut short.
          expect(shown).toEqual(genuine.slice(0, shown.length));
        },
      ),
      { numRuns: runs },
    );
  });
});

describe('fuzz: inner message decoder', () => {
  const SESSION_CODES = ['ERR_SESSION_MALFORMED', 'ERR_SESSION_UNKNOWN_TYPE'];
  const types = [
    'hello',
    'accept',
    'reject',
    'chat',
    'typing',
    'receipt',
    'ping',
    'pong',
    'goodbye',
    'error',
    'smp',
    'file',
  ];
  const fieldValue = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
    fc.constantFrom('typing', 'paused', 'idle', 'a1', '\u001b[2J', '\ud800'),
  );
  const messageLike = fc.record(
    {
      t: fc.oneof(fc.constantFrom(...types), fc.string({ maxLength: 12 })),
      o: fc.boolean(),
      v: fieldValue,
      name: fieldValue,
      client: fieldValue,
      version: fieldValue,
      caps: fieldValue,
      id: fieldValue,
      at: fieldValue,
      text: fieldValue,
      state: fieldValue,
      ids: fieldValue,
      reason: fieldValue,
      code: fieldValue,
      message: fieldValue,
    },
    { requiredKeys: ['t'] },
  );

  it('reads arbitrary bytes as a message or a typed session error, never a crash', async () => {
    const { decodeMessage } = (await import(SESSION)) as SessionModule;
    await fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (error) {
          expectTyped(error, SESSION_CODES);
        }
      }),
      params,
    );
  });

  it('reads arbitrary JSON shaped like messages strictly: re-encodable or a typed error', async () => {
    const { decodeMessage, encodeMessage } = (await import(SESSION)) as SessionModule;
    await fc.assert(
      fc.property(fc.oneof(messageLike, fc.jsonValue()), (value) => {
        const bytes = new TextEncoder().encode(JSON.stringify(value));
        let result: { kind: string; message?: unknown };
        try {
          result = decodeMessage(bytes);
        } catch (error) {
          expectTyped(error, SESSION_CODES);
          return;
        }
        // Whatever the decoder accepted must be a message this side could send itself.
        if (result.kind === 'message') expect(() => encodeMessage(result.message)).not.toThrow();
      }),
      params,
    );
  });
});
