/**
 * Where Cryptully keeps its files: `CRYPTULLY_HOME` when set, else the operating system's usual
 * per-user data folder. No extra dependency (what `env-paths` would give, for the data folder).
 * @module
 */
import { homedir } from 'node:os';
import { join, win32 } from 'node:path';

/** Name of the folder inside the OS data folder. */
export const APP_FOLDER_NAME = 'cryptully';
/** File names inside the home folder. */
export const HOME_FILES = Object.freeze({
  identity: 'identity.json',
  knownPeers: 'known-peers.json',
  profile: 'profile.json',
});

/** What {@link cryptullyHome} needs to know about the machine (tests pass their own). */
export interface HomeContext {
  platform?: NodeJS.Platform;
  homeDir?: string;
}

/**
 * The folder every Cryptully file lives in: `CRYPTULLY_HOME` if set and not empty; otherwise
 * Linux and other Unixes `$XDG_DATA_HOME/cryptully` (when absolute) or
 * `~/.local/share/cryptully`, macOS `~/Library/Application Support/cryptully`, Windows
 * `%APPDATA%\cryptully` (else `~\AppData\Roaming\cryptully`).
 */
export function cryptullyHome(
  env: NodeJS.ProcessEnv = process.env,
  context: HomeContext = {},
): string {
  const override = env.CRYPTULLY_HOME;
  if (override) return override;
  const platform = context.platform ?? process.platform;
  const home = context.homeDir ?? homedir();
  if (platform === 'win32') {
    return win32.join(env.APPDATA || win32.join(home, 'AppData', 'Roaming'), APP_FOLDER_NAME);
  }
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_FOLDER_NAME);
  const xdg = env.XDG_DATA_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  if (xdg?.startsWith('/')) return join(xdg, APP_FOLDER_NAME);
  return join(home, '.local', 'share', APP_FOLDER_NAME);
}

/** `<home>/identity.json`. */
export function identityPath(home: string): string {
  return join(home, HOME_FILES.identity);
}

/** `<home>/known-peers.json`. */
export function knownPeersPath(home: string): string {
  return join(home, HOME_FILES.knownPeers);
}

/** `<home>/profile.json`. */
export function profilePath(home: string): string {
  return join(home, HOME_FILES.profile);
}
