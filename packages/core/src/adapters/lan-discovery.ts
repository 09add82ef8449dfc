/**
 * Finding a join code's host on the local network, by UDP broadcast (no server, works
 * offline): a joiner broadcasts a query for the code's topic, hosts with a code of that number
 * answer with their TCP port, and the joiner dials the address the answer came from.
 * docs/protocol-verification.md §1.3.
 *
 * ```
 * query  = "CRYPTULLY?" | version u8 (1) | topic (32 bytes)                  43 bytes
 * answer = "CRYPTULLY!" | version u8 (1) | topic (32 bytes) | port u16be     45 bytes
 * ```
 * @module
 */
import dgram from 'node:dgram';
import { networkInterfaces } from 'node:os';
import type { HostPort } from '../identity/address.js';

/** The UDP port hosts listen on for queries (`CRYPTULLY_LAN_PORT` overrides it). */
export const LAN_DISCOVERY_PORT = 47473;
const QUERY = Buffer.from('CRYPTULLY?', 'ascii');
const ANSWER = Buffer.from('CRYPTULLY!', 'ascii');
const VERSION = 1;
const TOPIC_BYTES = 32;
/** How often a joiner repeats its query while it waits (UDP may drop one). */
const QUERY_INTERVAL_MS = 250;

/** The discovery port: `CRYPTULLY_LAN_PORT` when set to a valid port, else the default. */
export function lanDiscoveryPort(env: NodeJS.ProcessEnv = process.env): number {
  const port = Number(env.CRYPTULLY_LAN_PORT);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : LAN_DISCOVERY_PORT;
}

/**
 * The broadcast addresses to query: every IPv4 interface's, and the limited broadcast; or
 * the list in `CRYPTULLY_LAN_BROADCAST` when set.
 */
export function defaultBroadcastAddresses(env: NodeJS.ProcessEnv = process.env): string[] {
  // `CRYPTULLY_LAN_BROADCAST` (comma-separated IPv4 addresses) replaces the list: tests keep
  // their queries on loopback with 127.255.255.255.
  const given = (env.CRYPTULLY_LAN_BROADCAST ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a));
  if (given.length > 0) return given;
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family !== 'IPv4') continue;
      const ip = a.address.split('.').map(Number);
      const mask = a.netmask.split('.').map(Number);
      out.add(ip.map((byte, i) => (byte & mask[i]!) | (~mask[i]! & 255)).join('.'));
    }
  }
  out.add('255.255.255.255');
  return [...out];
}

function packet(head: Buffer, topic: Uint8Array, port?: number): Buffer {
  const out = Buffer.alloc(head.length + 1 + TOPIC_BYTES + (port === undefined ? 0 : 2));
  head.copy(out, 0);
  out[head.length] = VERSION;
  out.set(topic, head.length + 1);
  if (port !== undefined) out.writeUInt16BE(port, head.length + 1 + TOPIC_BYTES);
  return out;
}

function topicOf(message: Buffer, head: Buffer, length: number): Buffer | undefined {
  if (message.length !== length || !message.subarray(0, head.length).equals(head)) return;
  if (message[head.length] !== VERSION) return;
  return message.subarray(head.length + 1, head.length + 1 + TOPIC_BYTES);
}

/** A host answering queries; see {@link answerOnLan}. */
export interface LanAnswerer {
  close(): Promise<void>;
}

/**
 * Answers queries for the current topic with `tcpPort`, on UDP `port` of every interface
 * (shared with other hosts on this machine: `SO_REUSEADDR`, so each gets every broadcast).
 * @param topic the topic to answer for now (it changes with each new code), or undefined.
 * @throws when the port cannot be bound.
 */
export async function answerOnLan(options: {
  port: number;
  tcpPort: number;
  topic: () => Uint8Array | undefined;
}): Promise<LanAnswerer> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', (message, from) => {
    const asked = topicOf(message, QUERY, QUERY.length + 1 + TOPIC_BYTES);
    const topic = options.topic();
    if (!topic || !asked?.equals(topic)) return;
    socket.send(packet(ANSWER, topic, options.tcpPort), from.port, from.address, () => {});
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve();
    });
  });
  return {
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/**
 * Broadcasts queries for `topic` until a host answers (then waits `graceMs` more for other
 * answers) or `timeoutMs` passes. Resolves with the hosts found, first answer first (empty
 * when none answered); never rejects.
 */
export async function findOnLan(
  topic: Uint8Array,
  options: {
    port: number;
    broadcast?: string[];
    timeoutMs: number;
    graceMs?: number;
    signal?: AbortSignal;
  },
): Promise<HostPort[]> {
  const found: HostPort[] = [];
  const socket = dgram.createSocket({ type: 'udp4' });
  const targets = options.broadcast ?? defaultBroadcastAddresses();
  const query = packet(QUERY, topic);
  return new Promise<HostPort[]>((resolve) => {
    let ticker: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearInterval(ticker);
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', finish);
      socket.close();
      resolve(found);
    };
    socket.on('error', finish);
    socket.on('message', (message, from) => {
      const answered = topicOf(message, ANSWER, ANSWER.length + 1 + TOPIC_BYTES + 2);
      if (!answered?.equals(Buffer.from(topic))) return;
      const port = message.readUInt16BE(message.length - 2);
      if (port === 0 || found.some((h) => h.host === from.address && h.port === port)) return;
      found.push({ host: from.address, port });
      if (found.length === 1) {
        clearTimeout(deadline);
        deadline = setTimeout(finish, options.graceMs ?? 150);
      }
    });
    options.signal?.addEventListener('abort', finish, { once: true });
    if (options.signal?.aborted) return finish();
    socket.bind(0, () => {
      if (done) return;
      socket.setBroadcast(true);
      const send = () => {
        for (const target of targets) socket.send(query, options.port, target, () => {});
      };
      send();
      ticker = setInterval(send, QUERY_INTERVAL_MS);
      deadline = setTimeout(finish, options.timeoutMs);
    });
  });
}
