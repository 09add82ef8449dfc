/**
 * The desktop app's reach settings (the DHT on or off, a blind relay's key, bootstrap nodes, port
 * mapping): what the CLI takes as `--no-dht`, `--relay`, `--bootstrap` and `--no-port-mapping`,
 * chosen in the app and kept in
 * `<home>/desktop-settings.json`. Validated by core's {@link dhtSettings}, so the app and the CLI
 * accept and refuse exactly the same values.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@cryptully/core/storage';
import { type DhtSettings, dhtSettings } from '@cryptully/core/transport';

/** The settings as a person types them (empty strings: none). */
export interface ReachSettings {
  /** Hole punching through the DHT (off: the local network and mapped ports only). */
  dht: boolean;
  /** A blind relay's key as `cryptully relay` prints it (64 hex digits), or empty. */
  relay: string;
  /** `host:port,…` bootstrap nodes (for tests and private networks), or empty: the public ones. */
  bootstrap: string;
  /** Ask the router to forward the host's TCP port (UPnP, NAT-PMP). */
  portMapping: boolean;
}

/** The file, in Cryptully's data folder, that holds the app's settings. */
export const SETTINGS_FILE = 'desktop-settings.json';

/**
 * The saved settings, or undefined when none were saved (or the file is unreadable, which the
 * log says: the app then runs on its command line's settings).
 * @param portMapping the command line's choice, for a file saved before port mapping was a setting.
 */
export function loadReachSettings(
  home: string,
  log: (line: string) => void = () => {},
  portMapping = false,
): ReachSettings | undefined {
  let text: string;
  try {
    text = readFileSync(join(home, SETTINGS_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const saved = JSON.parse(text) as Partial<Record<keyof ReachSettings, unknown>>;
    const settings: ReachSettings = {
      dht: saved.dht !== false,
      relay: typeof saved.relay === 'string' ? saved.relay : '',
      bootstrap: typeof saved.bootstrap === 'string' ? saved.bootstrap : '',
      portMapping: typeof saved.portMapping === 'boolean' ? saved.portMapping : portMapping,
    };
    reachDht(settings, undefined);
    return settings;
  } catch {
    log(`${SETTINGS_FILE} is not valid; using the command line's network settings`);
    return undefined;
  }
}

/**
 * Saves the settings with core's {@link writeFileAtomic} (one step, readable by its owner only,
 * no half-written file after a crash).
 */
export async function saveReachSettings(home: string, settings: ReachSettings): Promise<void> {
  await writeFileAtomic(join(home, SETTINGS_FILE), `${JSON.stringify(settings, null, 2)}\n`);
}

/**
 * The chat node's DHT options from the settings. An empty relay or bootstrap field falls back to
 * the command line's (`startup`), so an app started with `--bootstrap` for a test keeps its DHT.
 * @returns undefined when the DHT is off.
 * @throws {DhtSettingsError} `ERR_BAD_RELAY` or `ERR_BAD_BOOTSTRAP` for values that cannot be
 *   right (checked even when the DHT is off).
 */
export function reachDht(
  settings: ReachSettings,
  startup: DhtSettings | undefined,
): DhtSettings | undefined {
  const chosen = dhtSettings(
    { noDht: !settings.dht, relay: settings.relay, bootstrap: settings.bootstrap },
    {},
  );
  if (!chosen) return undefined;
  return {
    ...((chosen.bootstrap ?? startup?.bootstrap)
      ? { bootstrap: chosen.bootstrap ?? startup!.bootstrap! }
      : {}),
    ...((chosen.relayThrough ?? startup?.relayThrough)
      ? { relayThrough: chosen.relayThrough ?? startup!.relayThrough! }
      : {}),
  };
}
