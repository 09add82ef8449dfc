import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { KeyPair } from '@cryptully/core/crypto';
import { type CipherState, HandshakeState } from '@cryptully/core/noise';

/**
 * A bench-local stand-in for the channel's secure connection, used only when
 * `secureInitiate`/`secureRespond` are not (yet) exported by `@cryptully/core/transport`:
 * Noise_XX_25519_ChaChaPoly_BLAKE2b from `@cryptully/core/noise`, then every message as one
 * frame `u16 length || ChaCha20-Poly1305(ciphertext || tag)` sealed by the CipherState. No
 * prelude, no message header, no rekeying: the bare frame-by-frame stream, which is a floor
 * for what the real channel costs.
 * @module
 */

const PROTOCOL = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
const PROLOGUE = new TextEncoder().encode('Cryptully bench fallback');
const EMPTY = new Uint8Array(0);
/** Largest plaintext in one frame: 65535 minus the 16-byte tag. */
const MAX_PLAINTEXT = 65535 - 16;

/** An incremental parser of `u16 length || body` frames. */
class FrameReader {
  #pending: Buffer | undefined;

  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  push(chunk: Buffer): void {
    let data = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    let offset = 0;
    while (data.length - offset >= 2) {
      const length = data.readUInt16BE(offset);
      if (data.length - offset - 2 < length) break;
      this.onFrame(data.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    if (offset < data.length) this.#pending = data.subarray(offset);
    data = Buffer.alloc(0);
  }
}

function frame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  out.set(body, 2);
  return out;
}

/** The established link; the subset of the real `SecureConnection` the benchmarks use. */
export class NoiseLink extends EventEmitter {
  readonly #stream: Duplex;
  readonly #send: CipherState;
  readonly #receive: CipherState;

  constructor(stream: Duplex, send: CipherState, receive: CipherState, reader: FrameReader) {
    super();
    this.#stream = stream;
    this.#send = send;
    this.#receive = receive;
    stream.on('drain', () => this.emit('drain'));
    stream.on('close', () => this.emit('close'));
    stream.on('error', () => {});
    stream.on('end', () => stream.end());
    // Frames now carry transport messages.
    readerTarget.set(reader, (body) =>
      this.emit('message', this.#receive.decryptWithAd(EMPTY, body)),
    );
  }

  /** Seals `message` into as many frames as it needs; false means wait for `'drain'`. */
  send(message: Uint8Array): boolean {
    let ok = true;
    for (let offset = 0; offset < message.length || offset === 0; offset += MAX_PLAINTEXT) {
      const part = message.subarray(offset, offset + MAX_PLAINTEXT);
      const out = Buffer.allocUnsafe(2 + part.length + 16);
      out.writeUInt16BE(part.length + 16, 0);
      this.#send.encryptWithAdInto(EMPTY, part, out, 2);
      ok = this.#stream.write(out);
      if (message.length === 0) break;
    }
    return ok;
  }

  end(): void {
    this.#stream.end();
  }

  destroy(): void {
    this.#stream.destroy();
  }
}

/** Where each reader sends its frames: the handshake first, then the link. */
const readerTarget = new WeakMap<FrameReader, (body: Buffer) => void>();

function attach(stream: Duplex): { reader: FrameReader; next: () => Promise<Buffer> } {
  const queue: Buffer[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  const reader = new FrameReader((body) => readerTarget.get(reader)!(body));
  readerTarget.set(reader, (body) => {
    queue.push(Buffer.from(body));
    wake?.();
  });
  stream.on('data', (chunk: Buffer) => reader.push(chunk));
  const fail = (error?: Error) => {
    failure = error ?? new Error('connection closed during the handshake');
    wake?.();
  };
  stream.once('error', fail);
  stream.once('end', () => fail());
  const next = async (): Promise<Buffer> => {
    while (queue.length === 0) {
      if (failure) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return queue.shift()!;
  };
  return { reader, next };
}

/** Runs the initiator side of the fallback handshake on `stream`. */
export async function noiseInitiate(stream: Duplex, keyPair: KeyPair): Promise<NoiseLink> {
  const { reader, next } = attach(stream);
  const hs = new HandshakeState({
    protocolName: PROTOCOL,
    initiator: true,
    prologue: PROLOGUE,
    s: keyPair.privateKey,
  });
  stream.write(frame(hs.writeMessage(EMPTY)));
  hs.readMessage(await next());
  stream.write(frame(hs.writeMessage(EMPTY)));
  const [send, receive] = hs.split();
  return new NoiseLink(stream, send, receive, reader);
}

/** Runs the responder side of the fallback handshake on `stream`. */
export async function noiseRespond(stream: Duplex, keyPair: KeyPair): Promise<NoiseLink> {
  const { reader, next } = attach(stream);
  const hs = new HandshakeState({
    protocolName: PROTOCOL,
    initiator: false,
    prologue: PROLOGUE,
    s: keyPair.privateKey,
  });
  hs.readMessage(await next());
  stream.write(frame(hs.writeMessage(EMPTY)));
  hs.readMessage(await next());
  const [receive, send] = hs.split();
  return new NoiseLink(stream, send, receive, reader);
}
