/**
 * How a connection runs, in the words `connected` uses (`ConnectionPath`).
 * @module
 */
import { isIP } from 'node:net';
import type { ConnectionPath } from '../protocol/events.js';

/** IPv4 ranges a home network or this machine uses: RFC 1918, loopback, link-local, CGNAT-free. */
const PRIVATE_V4: Array<[number, number]> = [
  [0x0a000000, 8], // 10/8
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0x7f000000, 8], // 127/8
  [0xa9fe0000, 16], // 169.254/16
];

function v4Number(host: string): number {
  return host.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** Whether `host` is an address of the local network or of this machine. */
export function isLocalAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(bare) === 4) {
    const n = v4Number(bare);
    return PRIVATE_V4.some(([base, bits]) => n >>> (32 - bits) === base >>> (32 - bits));
  }
  if (isIP(bare) === 6) {
    return bare === '::1' || /^f[cd]/.test(bare) || /^fe[89ab]/.test(bare);
  }
  return false;
}

/**
 * The path of a connection: `relay` when a relay was in use; `lan` when the other end's
 * address is a local one (HyperDHT, too, connects peers of one network directly); else
 * `holepunch` through the DHT and `direct` over TCP.
 */
export function connectionPath(
  via: 'tcp' | 'dht',
  remoteHost: string,
  relayed = false,
): ConnectionPath {
  if (via === 'dht' && relayed) return 'relay';
  if (isLocalAddress(remoteHost)) return 'lan';
  return via === 'dht' ? 'holepunch' : 'direct';
}
