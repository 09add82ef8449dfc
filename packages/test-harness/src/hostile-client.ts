/**
 * Hostile peers for the host-hardening tests: raw TCP connections that send garbage or stall,
 * and a real Noise session (built from core's own channel state machines, so the host cannot
 * tell it from a friend) that then misbehaves inside the encrypted channel.
 * @module
 */
import { connect, type Socket } from 'node:net';
import { randomBytes, x25519 } from '@cryptully/core/crypto';

/** Where to attack, and from which loopback address (Linux routes all of 127/8 locally). */
export interface Target {
  host: string;
  port: number;
  localAddress?: string;
}

/** A raw connection and when the host closed it. */
export interface RawConnection {
  socket: Socket;
  /** The local `address:port`, as it appears in the host's log. */
  local: string;
  /** Resolves with the milliseconds from connect to close (by the host or by us). */
  closed: Promise<number>;
  /** Bytes the host sent us. */
  received: () => number;
}

/** Opens a TCP connection; resolves once connected. */
export function openRaw(target: Target): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.host,
      port: target.port,
      ...(target.localAddress ? { localAddress: target.localAddress } : {}),
    });
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on('error', () => {});
    const started = performance.now();
    const closed = new Promise<number>((done) =>
      socket.once('close', () => done(performance.now() - started)),
    );
    socket.once('connect', () =>
      resolve({
        socket,
        local: `${socket.localAddress}:${socket.localPort}`,
        closed,
        received: () => received,
      }),
    );
    socket.once('error', reject);
  });
}

/** A 2-byte big-endian length prefix and the body: one frame of Cryptully's wire. */
export function frame(body: Uint8Array): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(body.length);
  return Buffer.concat([prefix, body]);
}

/** A valid prelude (mode XX, no invite) and a valid msg1 (a fresh ephemeral public key). */
export function preludeAndFirstMessage(): Buffer {
  const prelude = Buffer.concat([Buffer.from('CRYPTULLY', 'ascii'), Buffer.from([1, 0, 0])]);
  return Buffer.concat([frame(prelude), frame(x25519.generateKeyPair().publicKey)]);
}

/** Random bytes (for the garbage attack). */
export function garbage(length: number): Uint8Array {
  return randomBytes(length);
}

// The pure channel, imported by name at run time so the harness builds before it lands.
const CHANNEL_MODULE = '@cryptully/core/channel';
interface HandshakeStepLike {
  frames: Uint8Array[];
  result?: unknown;
}
interface ChannelEventLike {
  type: 'message' | 'close' | 'error';
  message?: Uint8Array;
}
interface ChannelModuleLike {
  InitiatorHandshake: new (options: {
    staticKeyPair: { publicKey: Uint8Array; privateKey: Uint8Array };
  }) => { start(): Uint8Array[]; receive(bytes: Uint8Array): HandshakeStepLike };
  SecureChannel: new (
    result: unknown,
  ) => { seal(message: Uint8Array): Uint8Array[]; receive(bytes: Uint8Array): ChannelEventLike[] };
}

/** An authenticated session with the host, driven by the test. */
export interface HostileSession {
  connection: RawConnection;
  /** Inner messages the host sent us (decoded as JSON where possible). */
  received: unknown[];
  /** Seals and sends one inner message (any bytes: the point is to send bad ones). */
  sendInner(message: Uint8Array | string | object): void;
  /** Resolves when the host sent an inner message matching. */
  waitFor(predicate: (message: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
}

/** Runs the Noise XX handshake as an initiator with a fresh identity; resolves when complete. */
export async function hostileSession(target: Target, timeoutMs = 10_000): Promise<HostileSession> {
  const channel = (await import(CHANNEL_MODULE)) as ChannelModuleLike;
  const connection = await openRaw(target);
  const { socket } = connection;
  const handshake = new channel.InitiatorHandshake({ staticKeyPair: x25519.generateKeyPair() });
  for (const bytes of handshake.start()) socket.write(bytes);
  const received: unknown[] = [];
  const wakers = new Set<() => void>();
  let secure: InstanceType<ChannelModuleLike['SecureChannel']> | undefined;

  const onTransport = (chunk: Uint8Array): void => {
    if (!secure) return;
    for (const event of secure.receive(chunk)) {
      if (event.type !== 'message' || !event.message) continue;
      const text = Buffer.from(event.message).toString('utf8');
      try {
        received.push(JSON.parse(text));
      } catch {
        received.push(text);
      }
    }
    for (const wake of wakers) wake();
  };

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('hostile handshake timed out')), timeoutMs);
    const onData = (chunk: Buffer): void => {
      if (secure) {
        onTransport(chunk);
        return;
      }
      try {
        const step = handshake.receive(chunk);
        for (const bytes of step.frames) socket.write(bytes);
        if (step.result) {
          secure = new channel.SecureChannel(step.result);
          // Transport bytes that came with msg2 are held by the result's decoder.
          onTransport(new Uint8Array(0));
          clearTimeout(timer);
          resolve();
        }
      } catch (error) {
        clearTimeout(timer);
        reject(error);
      }
    };
    socket.on('data', onData);
    connection.closed.then(() => {
      clearTimeout(timer);
      reject(new Error('the host closed during the handshake'));
    });
  });

  return {
    connection,
    received,
    sendInner(message) {
      const bytes =
        message instanceof Uint8Array
          ? message
          : Buffer.from(typeof message === 'string' ? message : JSON.stringify(message));
      if (socket.destroyed || !secure) return;
      for (const out of secure.seal(bytes)) socket.write(out);
    },
    waitFor(predicate, waitMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = received.find(predicate);
          if (found === undefined) return false;
          wakers.delete(check as () => void);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          wakers.delete(check as () => void);
          reject(new Error(`no such message from the host; got ${JSON.stringify(received)}`));
        }, waitMs);
        if (!check()) wakers.add(check as () => void);
      });
    },
  };
}

/** The hello a client sends first (docs/protocol-session.md). */
export function hello(name: string): object {
  return {
    t: 'hello',
    v: 1,
    name,
    client: 'hostile-peer',
    version: '0.0.0',
    caps: ['typing', 'receipts'],
  };
}
