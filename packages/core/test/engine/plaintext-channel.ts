// A stand-in for the Noise channel with the same shape (prelude, msg2 status, checkResponder
// before our key is sent) but NO encryption, so the engine's logic can be exercised on its own.
// Never used outside tests.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { decodePrelude, encodePrelude } from '../../src/channel/prelude.js';
import { fromHex, randomBytes, toHex } from '../../src/crypto/index.js';
import type { ChannelConnection, SecureChannelFactory } from '../../src/engine/secure-channel.js';
import { CryptullyError } from '../../src/errors.js';

const MAX_FRAME = 2 * 1024 * 1024;

class FramedStream extends EventEmitter {
  #buffer = Buffer.alloc(0);
  #waiters: Array<(frame: Uint8Array) => void> = [];
  #queue: Uint8Array[] = [];
  constructor(readonly stream: Duplex) {
    super();
    stream.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 4) {
        const length = this.#buffer.readUInt32BE(0);
        if (length > MAX_FRAME) {
          stream.destroy(new CryptullyError('ERR_CHANNEL_PROTOCOL', 'frame too large'));
          return;
        }
        if (this.#buffer.length < 4 + length) break;
        const frame = new Uint8Array(this.#buffer.subarray(4, 4 + length));
        this.#buffer = this.#buffer.subarray(4 + length);
        const waiter = this.#waiters.shift();
        if (waiter) waiter(frame);
        else if (this.listenerCount('frame') > 0) this.emit('frame', frame);
        else this.#queue.push(frame);
      }
    });
  }
  next(): Promise<Uint8Array> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      this.#waiters.push(resolve);
      this.stream.once('close', () => reject(new CryptullyError('ERR_CHANNEL_CLOSED', 'closed')));
    });
  }
  write(frame: Uint8Array): boolean {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(frame.length);
    return this.stream.write(Buffer.concat([header, frame]));
  }
  drain(): Uint8Array[] {
    return this.#queue.splice(0);
  }
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const parse = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

function connection(framed: FramedStream, remote: Uint8Array, hash: Uint8Array): ChannelConnection {
  const events = new EventEmitter();
  const stream = framed.stream;
  let closed = false;
  const close = (error?: CryptullyError) => {
    if (closed) return;
    closed = true;
    events.emit('close', error);
  };
  stream.on('close', () => close());
  stream.on('error', () => {});
  stream.on('end', () => stream.end());
  // Frames are held, in order, until someone listens for messages.
  const early = framed.drain();
  let listening = false;
  framed.on('frame', (frame: Uint8Array) => {
    if (!listening || early.length > 0) early.push(frame);
    else events.emit('message', frame);
  });
  const startDelivery = () => {
    setImmediate(() => {
      listening = true;
      while (early.length > 0) events.emit('message', early.shift());
    });
  };
  const conn: ChannelConnection = {
    remoteStaticPublicKey: remote,
    handshakeHash: hash,
    send: (message) => framed.write(message),
    on(event: string, listener: (...args: never[]) => void) {
      events.on(event, listener);
      if (event === 'message' && !listening) startDelivery();
      return conn;
    },
    end: () => stream.end(),
    destroy: (error) => {
      stream.destroy();
      close(error);
    },
  } as ChannelConnection;
  return conn;
}

function withTimeout<T>(stream: Duplex, ms: number | undefined, work: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new CryptullyError('ERR_HANDSHAKE_TIMEOUT', 'timeout'));
    }, ms ?? 10_000);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        stream.destroy();
        reject(e);
      },
    );
  });
}

/** The stand-in channel. */
export const plaintextChannel: SecureChannelFactory = {
  initiate(stream, options) {
    const framed = new FramedStream(stream);
    return withTimeout(
      stream,
      options.handshakeTimeoutMs,
      (async () => {
        framed.write(
          encodePrelude(
            options.inviteId ? { mode: 'XXpsk3', inviteId: options.inviteId } : { mode: 'XX' },
          ),
        );
        const msg2 = parse(await framed.next());
        const key = fromHex(msg2.key);
        options.checkResponder?.(key, fromHex(msg2.payload));
        framed.write(
          json({
            key: toHex(options.staticKeyPair.publicKey),
            psk: options.psk ? toHex(options.psk) : '',
          }),
        );
        return connection(framed, key, fromHex(msg2.hash));
      })(),
    );
  },
  respond(stream, options) {
    const framed = new FramedStream(stream);
    return withTimeout(
      stream,
      options.handshakeTimeoutMs,
      (async () => {
        const prelude = decodePrelude(await framed.next());
        const decision = options.onPrelude(prelude);
        const hash = randomBytes(64);
        framed.write(
          json({
            key: toHex(options.staticKeyPair.publicKey),
            payload: toHex(decision.payload),
            hash: toHex(hash),
          }),
        );
        if (decision.close) {
          stream.end();
          throw new CryptullyError('ERR_HANDSHAKE_REFUSED', 'refused');
        }
        const msg3 = parse(await framed.next());
        if (prelude.mode === 'XXpsk3' && msg3.psk !== toHex(decision.psk ?? new Uint8Array())) {
          throw new CryptullyError('ERR_HANDSHAKE', 'psk mismatch');
        }
        return connection(framed, fromHex(msg3.key), hash);
      })(),
    );
  },
};
