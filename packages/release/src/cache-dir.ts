/**
 * Where the single executable keeps the files it unpacks from itself (native addons, terminal
 * descriptions, the browser app's pages): the platform's per-user cache folder.
 * @module
 */
import { posix, win32 } from 'node:path';

/** The facts {@link cacheBase} depends on, passed in so every platform can be tested anywhere. */
export interface CacheContext {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  /** The user's home folder (`os.homedir()`); may be empty. */
  readonly home: string;
  /** The system's temporary folder (`os.tmpdir()`), the last resort. */
  readonly tmp: string;
}

/**
 * The base cache folder for cryptully: `CRYPTULLY_CACHE` when set (absolute); Windows
 * `%LOCALAPPDATA%\cryptully\cache`; macOS `~/Library/Caches/cryptully`; other systems
 * `$XDG_CACHE_HOME/cryptully` (when absolute) or `~/.cache/cryptully`; with no home at all,
 * the temporary folder.
 */
export function cacheBase(context: CacheContext): string {
  const { platform, env, home, tmp } = context;
  const path = platform === 'win32' ? win32 : posix;
  const own = env.CRYPTULLY_CACHE;
  if (own && path.isAbsolute(own)) return own;
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || (home ? win32.join(home, 'AppData', 'Local') : '');
    return win32.join(local || tmp, 'cryptully', 'cache');
  }
  if (platform === 'darwin' && home) return posix.join(home, 'Library', 'Caches', 'cryptully');
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && posix.isAbsolute(xdg)) return posix.join(xdg, 'cryptully');
  if (home) return posix.join(home, '.cache', 'cryptully');
  return posix.join(tmp, 'cryptully-cache');
}
