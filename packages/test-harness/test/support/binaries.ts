/**
 * What the single-executable and npm tests share: where the binaries are, whether a test can
 * run here (and why not), and Wine. NDJSON processes and tmux come from the CLI's test helpers.
 * Binaries come from `pnpm build:binaries --only linux-x64,win-x64` (CI builds them before
 * the tests); outside CI a missing binary skips its tests with the reason, in CI it fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { repoPath } from '../../src/drivers/paths.js';

/** The CLI's version (what every build must print for --version). */
export const CLI_VERSION: string = (
  JSON.parse(readFileSync(repoPath('packages/cli/package.json'), 'utf8')) as { version: string }
).version;

/** The source build of the CLI. */
export const SOURCE_BIN = repoPath('packages/cli/dist/bin.js');

/** A built single executable, or why it cannot be tested here. */
export function binary(target: 'linux-x64' | 'win-x64'): { file: string; skip: string | false } {
  const file = repoPath('release', `cryptully-${target}${target === 'win-x64' ? '.exe' : ''}`);
  if (existsSync(file)) return { file, skip: false };
  const why = `${file} is missing (run "pnpm build:binaries --only linux-x64,win-x64")`;
  if (process.env.CI) throw new Error(`${why}: CI builds it before the tests`);
  return { file, skip: why };
}

/** Wine's 64-bit loader (Debian's wine64 installs it outside PATH), or null. */
export function wineLoader(): string | null {
  for (const candidate of ['wine64', '/usr/lib/wine/wine64', 'wine']) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return null;
}

/** Polls `find` every 100 ms until it returns something; fails with `why()` after `ms`. */
export async function waitFor<T>(
  find: () => T | undefined,
  ms: number,
  why: () => string,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(why());
}

/** Whether tmux can run here. */
export const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

export { type JsonProcess, startJsonCommand } from '../../../cli/test/helpers/json-process.js';
export { Tmux } from '../../../cli/test/helpers/tmux.js';
