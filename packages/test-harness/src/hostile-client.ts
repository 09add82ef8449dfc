/**
 * Hostile peers for the host-hardening tests: raw TCP connections that send garbage or stall,
 * and a real Noise session (core's own `secureInitiate`, so the host cannot tell it from a
 * friend) that then misbehaves inside the encrypted channel.
 * @module
 */
import { connect, type Socket } from 'node:net';
import { encodePrelude } from '@cryptully/core/channel';
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

/**
 * A valid prelude (mode XX, no invite) and a valid msg1: a fresh ephemeral public key and a
 * 32-byte commitment (in clear in mode XX; random bytes here, which the host cannot tell from
 * a real one before msg3).
 */
export function preludeAndFirstMessage(): Buffer {
  const prelude = encodePrelude({ mode: 'XX' });
  const commitment = randomBytes(32);
  return Buffer.concat([
    frame(prelude),
    frame(Buffer.concat([x25519.generateKeyPair().publicKey, commitment])),
  ]);
}

/** Random bytes (for the garbage attack). */
export function garbage(length: number): Uint8Array {
  return randomBytes(length);
}

// Core's secure connection, imported by name at run time so the harness builds without it.
const TRANSPORT_MODULE = '@cryptully/core/transport';
interface SecureConnectionLike {
  send(message: Uint8Array): boolean;
  on(event: 'message', fn: (m: Uint8Array) => void): unknown;
  on(event: 'close', fn: (error?: { code?: string }) => void): unknown;
}
interface TransportModuleLike {
  secureInitiate(
    stream: Socket,
    options: {
      staticKeyPair: { publicKey: Uint8Array; privateKey: Uint8Array };
      handshakeTimeoutMs?: number;
    },
  ): Promise<SecureConnectionLike>;
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

/**
 * Runs the real Noise XX handshake (core's `secureInitiate`) as an initiator with a fresh
 * identity, so the host cannot tell this peer from a friend until it misbehaves.
 */
export async function hostileSession(target: Target, timeoutMs = 10_000): Promise<HostileSession> {
  const { secureInitiate } = (await import(TRANSPORT_MODULE)) as TransportModuleLike;
  const connection = await openRaw(target);
  const secure = await secureInitiate(connection.socket, {
    staticKeyPair: x25519.generateKeyPair(),
    handshakeTimeoutMs: timeoutMs,
  });
  const received: unknown[] = [];
  const wakers = new Set<() => void>();
  secure.on('close', () => {});
  secure.on('message', (message) => {
    const text = Buffer.from(message).toString('utf8');
    try {
      received.push(JSON.parse(text));
    } catch {
      received.push(text);
    }
    for (const wake of wakers) wake();
  });

  return {
    connection,
    received,
    sendInner(message) {
      const bytes =
        message instanceof Uint8Array
          ? message
          : Buffer.from(typeof message === 'string' ? message : JSON.stringify(message));
      if (connection.socket.destroyed) return;
      try {
        secure.send(bytes);
      } catch {
        // closed by the host already: that is what the attack tests expect
      }
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
