/**
 * Port mapping for the host's TCP listener: asks the home router (UPnP IGD, else NAT-PMP) to
 * forward the same port from its public address, so a friend elsewhere reaches the host
 * directly. The lease is renewed at half its length by a timer of ours (the library's own refresh
 * reads NAT-PMP lifetimes in the wrong unit and would re-map without pause) and the mapping is
 * removed on close. Routers that do neither are the normal case: the result is then `undefined`,
 * quickly.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { parseIPv4 } from '../identity/address.js';

/** A port the router forwards to us. */
export interface PortMapping {
  /** The router's public address. */
  readonly externalHost: string;
  /** The public port (the same as the local one: invites carry one port for every address). */
  readonly externalPort: number;
  /** How it was mapped. */
  readonly protocol: 'upnp' | 'nat-pmp';
  /** Removes the mapping from the router (and stops renewing it). Never throws. */
  close(): Promise<void>;
}

/** Options of {@link mapTcpPort}. */
export interface MapTcpPortOptions {
  /** The local TCP port to forward (the same public port is asked for). */
  port: number;
  /** How long to look for a router that answers; default 2,500 ms. */
  timeoutMs?: number;
  /**
   * The lease asked for, in milliseconds; the mapping is asked for again every half lease.
   * Default 30 minutes. Tests shorten it (NAT-PMP takes whole seconds, at least 1; UPnP IGD
   * leases are at least an hour in the library, so there only the renewals come sooner).
   */
  leaseMs?: number;
  /** One line per outcome, for people. */
  log?: (line: string) => void;
}

/** What the library's gateways offer (typed here: we use little of it). */
interface Gateway {
  host: string;
  family: 'IPv4' | 'IPv6';
  map(
    internalPort: number,
    internalHost: string,
    options: Record<string, unknown>,
  ): Promise<{ externalHost: string; externalPort: number }>;
  unmap(
    internalPort: number,
    options?: { signal?: AbortSignal; autoRefresh?: boolean },
  ): Promise<void>;
  externalIp(options?: { signal?: AbortSignal }): Promise<string>;
  stop(options?: { signal?: AbortSignal }): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 2500;
const DEFAULT_LEASE_MS = 30 * 60 * 1000;

/**
 * Maps `port` on the router, UPnP first, then NAT-PMP at the default gateway.
 * @returns the mapping, or undefined when no router mapped it (said in one log line).
 */
export async function mapTcpPort(options: MapTcpPortOptions): Promise<PortMapping | undefined> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const leaseMs = Math.max(1000, options.leaseMs ?? DEFAULT_LEASE_MS);
  // The library takes UPnP leases in milliseconds and NAT-PMP lifetimes in seconds.
  const settings = (protocol: PortMapping['protocol']) => ({
    protocol: 'tcp',
    externalPort: options.port,
    ttl: protocol === 'upnp' ? leaseMs : Math.round(leaseMs / 1000),
    autoRefresh: false,
    description: 'Cryptully',
  });
  let library: typeof import('@achingbrain/nat-port-mapper');
  try {
    library = await import('@achingbrain/nat-port-mapper');
  } catch {
    log('port mapping is not available in this build');
    return undefined;
  }
  const attempts: Array<[PortMapping['protocol'], () => Promise<Gateway | undefined>]> = [
    ['upnp', () => firstUpnpGateway(library, timeoutMs)],
    [
      'nat-pmp',
      async () => {
        const router = await defaultGateway();
        return router
          ? (library.pmpNat(router, { autoRefresh: false }) as unknown as Gateway)
          : undefined;
      },
    ],
  ];
  for (const [protocol, find] of attempts) {
    let gateway: Gateway | undefined;
    try {
      gateway = await find();
      if (!gateway) continue;
      const internalHost = localAddressFacing(gateway.host);
      if (!internalHost) continue;
      const signal = AbortSignal.timeout(timeoutMs);
      const asked = settings(protocol);
      const mapped = await gateway.map(options.port, internalHost, { ...asked, signal });
      const externalHost = mapped.externalHost || (await gateway.externalIp({ signal }));
      if (mapped.externalPort !== options.port) {
        // An invite has one port for every address: another public port cannot be offered.
        log(`the router offered public port ${mapped.externalPort}, not ${options.port}; not used`);
        await release(gateway, options.port);
        continue;
      }
      log(`the router (${protocol}) forwards ${externalHost}:${options.port} to this computer`);
      const held = gateway;
      let closing: Promise<void> | undefined;
      let renewing: Promise<void> | undefined;
      // Asks for the same mapping again every half lease, so it never lapses while we host.
      const renewal = setInterval(() => {
        if (closing || renewing) return;
        renewing = held
          .map(options.port, internalHost, { ...asked, signal: AbortSignal.timeout(timeoutMs) })
          .then(
            () => log(`renewed the router's forwarding of port ${options.port}`),
            () => log(`the router did not renew the forwarding of port ${options.port}`),
          )
          .finally(() => {
            renewing = undefined;
          });
      }, leaseMs / 2);
      renewal.unref();
      return {
        externalHost,
        externalPort: options.port,
        protocol,
        close: () => {
          clearInterval(renewal);
          // A renewal in flight must not re-create the mapping after it is removed.
          closing ??= (renewing ?? Promise.resolve()).then(() => release(held, options.port));
          return closing;
        },
      };
    } catch {
      // No answer, or the router refused: try the next way, then TCP as it is.
      if (gateway) await gateway.stop().catch(() => {});
    }
  }
  log('no router mapped the port (UPnP and NAT-PMP); friends elsewhere come through the DHT');
  return undefined;
}

async function firstUpnpGateway(
  library: typeof import('@achingbrain/nat-port-mapper'),
  timeoutMs: number,
): Promise<Gateway | undefined> {
  const client = library.upnpNat({ autoRefresh: false });
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    for await (const gateway of client.findGateways({ signal })) {
      if (gateway.family === 'IPv4') return gateway as unknown as Gateway;
    }
  } catch {
    // The search timed out with nobody answering.
  }
  return undefined;
}

async function release(gateway: Gateway, port: number): Promise<void> {
  const signal = AbortSignal.timeout(DEFAULT_TIMEOUT_MS);
  await gateway.unmap(port, { signal, autoRefresh: false }).catch(() => {});
  await gateway.stop({ signal }).catch(() => {});
}

/** Our IPv4 address on the router's network (the one the mapping must point at). */
function localAddressFacing(router: string): string | undefined {
  const target = ipv4ToNumber(router);
  let fallback: string | undefined;
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      if (info.family !== 'IPv4' || info.internal) continue;
      fallback ??= info.address;
      const mask = ipv4ToNumber(info.netmask);
      const own = ipv4ToNumber(info.address);
      if (target !== undefined && mask !== undefined && own !== undefined) {
        if ((own & mask) >>> 0 === (target & mask) >>> 0) return info.address;
      }
    }
  }
  return fallback;
}

/** A dotted-quad IPv4 address as an unsigned 32-bit number (identity/address.ts parses it). */
function ipv4ToNumber(address: string): number | undefined {
  const bytes = parseIPv4(address);
  return bytes ? Buffer.from(bytes).readUInt32BE(0) : undefined;
}

/** The IPv4 default gateway from the kernel's routing table (Linux); undefined elsewhere. */
async function defaultGateway(): Promise<string | undefined> {
  const table = await readFile('/proc/net/route', 'utf8').catch(() => '');
  for (const line of table.split('\n').slice(1)) {
    const [, destination, gateway] = line.trim().split(/\s+/);
    if (destination !== '00000000' || !gateway || gateway === '00000000') continue;
    // Little-endian hex, as the kernel prints it.
    const bytes = Buffer.from(gateway, 'hex');
    if (bytes.length === 4) return `${bytes[3]}.${bytes[2]}.${bytes[1]}.${bytes[0]}`;
  }
  return undefined;
}
