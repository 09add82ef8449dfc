/**
 * The DHT settings a person gives a front end (`--no-dht`, `--bootstrap`, `--relay` and their
 * environment variables), read once into the chat node's `dht` option. Shared by the CLI and the
 * desktop app so both accept and refuse exactly the same values.
 * @module
 */
import { CryptullyError } from '../errors.js';

/** What a front end's command line says about the DHT. Strings are as typed. */
export interface DhtSettingsInput {
  /** `--no-dht`: TCP only. */
  noDht?: boolean;
  /** `--bootstrap host:port,…`. */
  bootstrap?: string;
  /** `--relay KEY` (64 hex digits). */
  relay?: string;
}

/** The DHT options the settings lead to (the chat node's `dht` option takes them as they are). */
export interface DhtSettings {
  /** Bootstrap nodes; absent: HyperDHT's public ones. */
  bootstrap?: Array<{ host: string; port: number }>;
  /** A blind relay's public key (32 bytes). */
  relayThrough?: Uint8Array;
}

/** `ERR_BAD_BOOTSTRAP` / `ERR_BAD_RELAY`: a DHT setting that cannot be right. */
export class DhtSettingsError extends CryptullyError {}

const BOOTSTRAP_NODE = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/;

/**
 * Parses `host:port,host:port` (IPv6 in brackets).
 * @throws {DhtSettingsError} `ERR_BAD_BOOTSTRAP` naming the first item that is not host:port.
 */
export function parseBootstrapList(text: string): Array<{ host: string; port: number }> {
  return text.split(',').map((item) => {
    const entry = item.trim();
    const match = BOOTSTRAP_NODE.exec(entry);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      throw new DhtSettingsError(
        'ERR_BAD_BOOTSTRAP',
        `A bootstrap node is host:port (like 203.0.113.5:49737), not "${entry.slice(0, 80)}".`,
      );
    }
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

/**
 * Parses a blind relay's key as `cryptully relay` prints it.
 * @throws {DhtSettingsError} `ERR_BAD_RELAY` unless it is 64 hexadecimal digits.
 */
export function parseRelayKey(text: string): Uint8Array {
  const key = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(key)) {
    throw new DhtSettingsError(
      'ERR_BAD_RELAY',
      'A relay key is the 64 hexadecimal digits that "cryptully relay" prints.',
    );
  }
  return Uint8Array.from(Buffer.from(key, 'hex'));
}

/**
 * The chat node's DHT options from a command line and the environment; an option wins over its
 * variable (`CRYPTULLY_NO_DHT` set to anything but empty or `0`, `CRYPTULLY_BOOTSTRAP`,
 * `CRYPTULLY_RELAY`).
 * @returns undefined when the DHT is off.
 * @throws {DhtSettingsError} for a malformed bootstrap list or relay key (even when the DHT is
 *   off, so a typo is never silently ignored).
 */
export function dhtSettings(
  input: DhtSettingsInput,
  env: Readonly<Record<string, string | undefined>>,
): DhtSettings | undefined {
  const options: DhtSettings = {};
  const bootstrap = input.bootstrap ?? env.CRYPTULLY_BOOTSTRAP;
  if (bootstrap !== undefined && bootstrap.trim() !== '') {
    // The DHT's UDP socket binds every interface, even for bootstrap nodes on loopback: bound
    // to 127.0.0.1, two processes' HyperDHT nodes opened streams whose data never arrived.
    options.bootstrap = parseBootstrapList(bootstrap);
  }
  const relay = input.relay ?? env.CRYPTULLY_RELAY;
  if (relay !== undefined && relay.trim() !== '') options.relayThrough = parseRelayKey(relay);
  return input.noDht || switchedOff(env.CRYPTULLY_NO_DHT) ? undefined : options;
}

/**
 * Whether to ask the router to forward the host's port: yes unless `CRYPTULLY_NO_PORT_MAPPING`
 * is set (to anything but empty or `0`). Front ends also take `--no-port-mapping`.
 */
export function portMappingWanted(env: Readonly<Record<string, string | undefined>>): boolean {
  return !switchedOff(env.CRYPTULLY_NO_PORT_MAPPING);
}

/** Whether a `CRYPTULLY_NO_*` variable is set: to anything but empty or `0`. */
function switchedOff(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0';
}
