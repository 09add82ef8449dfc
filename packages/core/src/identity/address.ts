/**
 * Host addresses as people type them and as invites carry them: IPv4, IPv6 and DNS host names,
 * parsed strictly and rendered canonically (IPv6 per RFC 5952). Pure: no DNS, no sockets.
 * @module
 */
import { CryptullyError } from '../errors.js';

/** The TCP port Cryptully listens on and dials when none is given. */
export const DEFAULT_PORT = 7677;

/** `ERR_BAD_ADDRESS`: a host or port that cannot be right. */
export class BadAddressError extends CryptullyError {
  constructor(message: string) {
    super('ERR_BAD_ADDRESS', message);
  }
}

/** A parsed host: its kind, canonical text, and the raw address bytes for IP literals. */
export type ParsedHost =
  | { kind: 'ipv4'; host: string; bytes: Uint8Array }
  | { kind: 'ipv6'; host: string; bytes: Uint8Array }
  | { kind: 'hostname'; host: string };

/** A host and port to dial. `host` is canonical; IPv6 without brackets. */
export interface HostPort {
  host: string;
  port: number;
}

/** Parses dotted-quad IPv4 (no leading zeros, which some resolvers read as octal). */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    out[i] = value;
  }
  return out;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (!v4) return undefined;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
      groups.push(Number.parseInt(part, 16));
    }
  }
  return groups;
}

/** Parses an IPv6 address (RFC 4291 text forms, `::` and a trailing dotted quad allowed). */
export function parseIPv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0]!);
    const tail = parseGroups(halves[1]!);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(text);
    if (all?.length !== 8) return undefined;
    groups = all;
  }
  const out = new Uint8Array(16);
  groups.forEach((group, i) => {
    out[2 * i] = group >> 8;
    out[2 * i + 1] = group & 0xff;
  });
  return out;
}

/** Renders 4 bytes as a dotted quad. */
export function formatIPv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

/** Renders 16 bytes as canonical IPv6 text (RFC 5952: lower case, longest zero run as `::`). */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed (RFC 5952 §4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Whether `text` is a DNS host name we accept (ASCII letters, digits, hyphens; ≤ 253 chars). */
export function isHostname(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.toLowerCase().split('.');
  // A last label of digits only is a mistyped IPv4 address (`192.168.1.300`), not a name.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return false;
  return labels.every((label) => LABEL.test(label));
}

/**
 * Parses a host: IPv4, IPv6 (without brackets) or a host name (lower-cased, trailing dot
 * dropped).
 * @throws {BadAddressError} `ERR_BAD_ADDRESS`.
 */
export function parseHost(text: string): ParsedHost {
  const v4 = parseIPv4(text);
  if (v4) return { kind: 'ipv4', host: formatIPv4(v4), bytes: v4 };
  if (text.includes(':')) {
    const v6 = parseIPv6(text);
    if (v6) return { kind: 'ipv6', host: formatIPv6(v6), bytes: v6 };
    throw new BadAddressError(`"${printable(text)}" is not a valid IPv6 address.`);
  }
  if (isHostname(text)) return { kind: 'hostname', host: text.toLowerCase().replace(/\.$/, '') };
  throw new BadAddressError(`"${printable(text)}" is not a valid host name or IP address.`);
}

/**
 * Parses a port number (decimal, 1-65535).
 * @throws {BadAddressError} `ERR_BAD_ADDRESS`.
 */
export function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new BadAddressError(`"${printable(text)}" is not a port number (1-65535).`);
  }
  return Number(text);
}

/**
 * Parses a plain join target: `host:port`, `[ipv6]:port`, `[ipv6]`, a bare IPv6 address, or a
 * host alone (port {@link DEFAULT_PORT}).
 * @throws {BadAddressError} `ERR_BAD_ADDRESS`.
 * @example parseAddress('[::1]:7000') // { host: '::1', port: 7000 }
 */
export function parseAddress(text: string): HostPort {
  const target = text.trim();
  if (target === '') throw new BadAddressError('No address given.');
  if (target.startsWith('[')) {
    const match = /^\[([^\]]*)\](?::([^:]*))?$/.exec(target);
    if (!match) throw new BadAddressError(`"${printable(target)}" is not a valid [IPv6]:port.`);
    const v6 = parseIPv6(match[1]!);
    if (!v6) throw new BadAddressError(`"${printable(match[1]!)}" is not a valid IPv6 address.`);
    return {
      host: formatIPv6(v6),
      port: match[2] === undefined ? DEFAULT_PORT : parsePort(match[2]),
    };
  }
  const colons = target.split(':').length - 1;
  if (colons === 0) return { host: parseHost(target).host, port: DEFAULT_PORT };
  if (colons === 1) {
    const [host, port] = target.split(':') as [string, string];
    const parsed = parseHost(host);
    return { host: parsed.host, port: parsePort(port) };
  }
  // Several colons and no brackets: an IPv6 address alone (a port would be ambiguous).
  return { host: parseHost(target).host, port: DEFAULT_PORT };
}

/** Renders a host and port the way {@link parseAddress} reads them back (`[v6]:port`). */
export function formatAddress({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Longest piece of user input an error message echoes. */
const MAX_ECHO_CHARS = 40;

/**
 * Shortens and strips control characters from user input echoed in an error message. The cap
 * is also what keeps a mangled invite out of messages and logs: an invite pasted without its
 * `cryptully:` prefix (or with a typo in it) lands here, and its secret starts at character 58
 * of the payload, so at most 37 echoed characters never reach it.
 */
function printable(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > MAX_ECHO_CHARS ? `${clean.slice(0, MAX_ECHO_CHARS - 3)}...` : clean;
}
