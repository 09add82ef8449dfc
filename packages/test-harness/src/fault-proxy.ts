/**
 * A fault-injecting TCP proxy for Cryptully's wire: it sits between two clients (listening on
 * 127.0.0.1, port chosen by the OS) and forwards each connection to a target, while a
 * switchable {@link FaultMode} delays, fragments, coalesces, cuts, corrupts, replays, drops or
 * stalls the traffic.
 *
 * Frame-aware modes read Cryptully's framing (every Noise message is preceded by a 2-byte
 * big-endian length, see docs/protocol.md) to find frame boundaries, and count frames per
 * direction after the handshake: by default the initiator sends 3 handshake frames (prelude,
 * message 1, message 3) and the responder 1 (message 2).
 * @module
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** Which way bytes flow: initiator (the side that connected to the proxy) to responder, or back. */
export type Direction = 'c2s' | 's2c';

/** Selects one transport frame: the `frame`-th (0-based) after the handshake in `direction`. */
export interface FrameTarget {
  direction: Direction;
  /** 0-based index among the frames that follow the handshake in this direction. */
  frame: number;
}

/**
 * What the proxy does to the traffic. Modes that target one frame fire once per proxy (on the
 * first connection that reaches that frame) and then behave like `pass`, so a client that
 * reconnects through the same proxy gets a clean path.
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'delay'; ms: number; jitterMs?: number }
  | { kind: 'split' }
  | { kind: 'coalesce'; windowMs: number }
  | ({ kind: 'cut' } & FrameTarget)
  | ({ kind: 'flip'; bit?: number } & FrameTarget)
  | ({ kind: 'replay' } & FrameTarget)
  | ({ kind: 'drop' } & FrameTarget)
  /** Accept bytes and forward none (in `direction` only, when given). */
  | { kind: 'stall'; direction?: Direction };

/** The kinds of {@link FaultMode}. */
export type FaultKind = FaultMode['kind'];

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Where to forward each accepted connection. */
  target: { host: string; port: number };
  /** The initial mode; default `pass`. */
  mode?: FaultMode;
  /** Frames each direction sends before the handshake is over; default `{ c2s: 3, s2c: 1 }`. */
  handshakeFrames?: Record<Direction, number>;
}

/** What the proxy did, for assertions and reports. */
export interface FaultProxyStats {
  connections: number;
  /** Frame faults that fired, e.g. `flip c2s frame 2 bit 13`. */
  fired: string[];
  /** Bytes accepted from each side. */
  bytesIn: Record<Direction, number>;
  /** Bytes written to each side. */
  bytesOut: Record<Direction, number>;
}

/** A running proxy returned by {@link startFaultProxy}. */
export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** `host:port` to give a joiner. */
  readonly address: string;
  readonly stats: FaultProxyStats;
  /** Switches the mode for current and future connections; re-arms frame faults. */
  setMode(mode: FaultMode): void;
  /** Cuts every open connection now (both sides see a reset-free close). */
  cutAll(): void;
  /** Number of connection pairs currently open. */
  openConnections(): number;
  /**
   * Frames seen after the handshake in `direction` on the newest open connection: pass it as
   * `frame` to target the very next frame (keep-alives make absolute indexes unpredictable).
   */
  nextFrame(direction: Direction): number;
  /** Resolves when a frame fault has fired (`stats.fired` grew past `count`). */
  waitFired(count?: number, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

const FRAME_MODES: ReadonlySet<FaultKind> = new Set(['cut', 'flip', 'replay', 'drop']);
const LENGTH_BYTES = 2;

/** Splits a byte stream into whole frames using the 2-byte big-endian length prefix. */
class FrameSplitter {
  private buffered: Buffer = Buffer.alloc(0);

  /** Appends bytes and returns every frame (prefix included) now complete. */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Buffer[] = [];
    while (this.buffered.length >= LENGTH_BYTES) {
      const total = LENGTH_BYTES + this.buffered.readUInt16BE(0);
      if (this.buffered.length < total) break;
      frames.push(this.buffered.subarray(0, total));
      this.buffered = this.buffered.subarray(total);
    }
    return frames;
  }
}

interface Pipe {
  direction: Direction;
  from: Socket;
  to: Socket;
  splitter: FrameSplitter;
  framesSeen: number;
  /** Delayed chunks in send order, each with the time it is due. */
  delayed: Array<{ at: number; bytes: Buffer }>;
  coalesced: Buffer[];
  coalesceTimer: NodeJS.Timeout | undefined;
  /** Serialises 1-byte writes so the receiver sees them one by one. */
  splitQueue: Promise<void>;
  /** Set once this connection was cut: nothing more is forwarded. */
  cut: boolean;
}

/**
 * Starts a proxy on 127.0.0.1 with an ephemeral port.
 * @example
 * const proxy = await startFaultProxy({ target: { host: '127.0.0.1', port: hostPort } });
 * proxy.setMode({ kind: 'flip', direction: 'c2s', frame: 0 });
 * // join `proxy.address` instead of the host's own address
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  let mode: FaultMode = options.mode ?? { kind: 'pass' };
  let frameFaultSpent = false;
  const handshakeFrames = options.handshakeFrames ?? { c2s: 3, s2c: 1 };
  const stats: FaultProxyStats = {
    connections: 0,
    fired: [],
    bytesIn: { c2s: 0, s2c: 0 },
    bytesOut: { c2s: 0, s2c: 0 },
  };
  const pairs = new Set<{ client: Socket; upstream: Socket; pipes: Pipe[] }>();
  const firedWaiters: Array<() => void> = [];

  const fire = (what: string): void => {
    frameFaultSpent = true;
    stats.fired.push(what);
    for (const wake of firedWaiters.splice(0)) wake();
  };

  const write = (pipe: Pipe, bytes: Buffer): void => {
    if (bytes.length === 0 || pipe.to.destroyed) return;
    stats.bytesOut[pipe.direction] += bytes.length;
    pipe.to.write(bytes);
  };

  // Writes the delayed chunks that are due, in order, then waits for the next one.
  const drainDelayed = (pipe: Pipe): void => {
    while (pipe.delayed.length > 0 && (pipe.delayed[0]?.at ?? 0) <= performance.now()) {
      write(pipe, pipe.delayed.shift()!.bytes);
    }
    const next = pipe.delayed[0];
    if (next)
      setTimeout(() => drainDelayed(pipe), Math.max(1, next.at - performance.now())).unref();
  };

  // Applies the non-frame modes to bytes that the frame stage decided to forward.
  const deliver = (pipe: Pipe, bytes: Buffer): void => {
    switch (mode.kind) {
      case 'delay': {
        // One ordered queue per direction: independent timers could fire out of order.
        const jitter = mode.jitterMs ? Math.random() * mode.jitterMs : 0;
        const last = pipe.delayed.at(-1)?.at ?? 0;
        pipe.delayed.push({ at: Math.max(last, performance.now() + mode.ms + jitter), bytes });
        if (pipe.delayed.length === 1) drainDelayed(pipe);
        return;
      }
      case 'split':
        for (let i = 0; i < bytes.length; i++) {
          const one = bytes.subarray(i, i + 1);
          pipe.splitQueue = pipe.splitQueue.then(
            () =>
              new Promise<void>((resolve) => {
                if (pipe.to.destroyed) return resolve();
                stats.bytesOut[pipe.direction] += 1;
                pipe.to.write(one, () => setImmediate(resolve));
              }),
          );
        }
        return;
      case 'coalesce': {
        pipe.coalesced.push(bytes);
        pipe.coalesceTimer ??= setTimeout(() => {
          pipe.coalesceTimer = undefined;
          write(pipe, Buffer.concat(pipe.coalesced.splice(0)));
        }, mode.windowMs);
        return;
      }
      case 'stall':
        // Accepted and discarded: the path looks alive but nothing arrives.
        if (mode.direction === undefined || mode.direction === pipe.direction) return;
        write(pipe, bytes);
        return;
      default:
        write(pipe, bytes);
    }
  };

  // Looks at each whole frame and applies a frame fault when this is the targeted one.
  const onFrame = (
    pipe: Pipe,
    frame: Buffer,
    pair: { client: Socket; upstream: Socket; pipes: Pipe[] },
  ): void => {
    if (pipe.cut) return;
    const index = pipe.framesSeen - handshakeFrames[pipe.direction];
    pipe.framesSeen += 1;
    const armed =
      FRAME_MODES.has(mode.kind) &&
      !frameFaultSpent &&
      'frame' in mode &&
      mode.direction === pipe.direction &&
      mode.frame === index;
    if (!armed) {
      deliver(pipe, frame);
      return;
    }
    const where = `${pipe.direction} frame ${index} (${frame.length - LENGTH_BYTES} bytes)`;
    switch (mode.kind) {
      case 'flip': {
        const copy = Buffer.from(frame);
        const bodyBits = (copy.length - LENGTH_BYTES) * 8;
        const bit = bodyBits > 0 ? (mode.bit ?? Math.floor(bodyBits / 2)) % bodyBits : 0;
        const byte = LENGTH_BYTES + (bit >> 3);
        copy[byte] = (copy[byte] ?? 0) ^ (1 << (bit & 7));
        fire(`flip ${where} bit ${bit}`);
        deliver(pipe, copy);
        return;
      }
      case 'replay':
        fire(`replay ${where}`);
        deliver(pipe, frame);
        deliver(pipe, Buffer.from(frame));
        return;
      case 'drop':
        fire(`drop ${where}`);
        return;
      case 'cut': {
        fire(`cut ${where}`);
        for (const each of pair.pipes) each.cut = true;
        const half = Math.max(1, Math.floor(frame.length / 2));
        stats.bytesOut[pipe.direction] += half;
        // Close both sides once the half frame has been flushed: a cut in the middle of a frame.
        pipe.to.write(frame.subarray(0, half), () => {
          pair.client.destroy();
          pair.upstream.destroy();
        });
        pipe.from.pause();
        return;
      }
      default:
        deliver(pipe, frame);
    }
  };

  const server: Server = createServer({ noDelay: true }, (client) => {
    stats.connections += 1;
    const upstream = connect({ host: options.target.host, port: options.target.port });
    upstream.setNoDelay(true);
    const makePipe = (direction: Direction, from: Socket, to: Socket): Pipe => ({
      direction,
      from,
      to,
      splitter: new FrameSplitter(),
      framesSeen: 0,
      delayed: [],
      coalesced: [],
      coalesceTimer: undefined,
      splitQueue: Promise.resolve(),
      cut: false,
    });
    const pipes = [makePipe('c2s', client, upstream), makePipe('s2c', upstream, client)];
    const pair = { client, upstream, pipes };
    pairs.add(pair);
    for (const pipe of pipes) {
      pipe.from.on('data', (chunk: Buffer) => {
        stats.bytesIn[pipe.direction] += chunk.length;
        for (const frame of pipe.splitter.push(chunk)) onFrame(pipe, frame, pair);
      });
    }
    const teardown = (): void => {
      if (!pairs.delete(pair)) return;
      for (const pipe of pipes) if (pipe.coalesceTimer) clearTimeout(pipe.coalesceTimer);
      // Let queued delayed/split writes drain, then close the other side too.
      client.end();
      upstream.end();
      setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, 2_000).unref();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', () => teardown());
      socket.on('close', teardown);
      socket.on('end', teardown);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no address');
  const port = address.port;

  return {
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    stats,
    setMode(next) {
      mode = next;
      frameFaultSpent = false;
    },
    cutAll() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    openConnections: () => pairs.size,
    nextFrame(direction) {
      const newest = [...pairs].at(-1);
      const pipe = newest?.pipes.find((p) => p.direction === direction);
      return pipe ? Math.max(0, pipe.framesSeen - handshakeFrames[direction]) : 0;
    },
    waitFired(count = 0, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const last = stats.fired[count];
          if (last === undefined) return false;
          clearTimeout(timer);
          resolve(last);
          return true;
        };
        const timer = setTimeout(
          () => reject(new Error(`no frame fault fired within ${timeoutMs} ms`)),
          timeoutMs,
        );
        const wait = (): void => {
          if (!check()) firedWaiters.push(wait);
        };
        wait();
      });
    },
    close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
