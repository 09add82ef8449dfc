/**
 * Where the clients live in the monorepo, and how the harness decides whether a client exists.
 *
 * A client *exists* once its source marker is in the tree (the engine's `index.ts`, a CLI
 * source file that handles `--json`, a desktop source file that handles `--web`). Until then
 * its matrix cells are reported as `unavailable` (loudly, and counted as skipped). Once it
 * exists, anything that stops it from running (not built, crashing) fails its cells: a broken
 * client can never hide behind "unavailable". `CRYPTULLY_HARNESS_REQUIRE=core,cli,desktop` (or
 * `all`) turns `unavailable` into a failure too, for CI once every client has landed.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Availability, ClientKind } from './driver.js';

/** The monorepo root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
/** A path inside the monorepo. */
export const repoPath = (...parts: string[]): string => join(REPO_ROOT, ...parts);

/** Every file under `dir` (recursively) whose name ends with `.ts`. */
function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function sourceMentions(dir: string, needle: string): boolean {
  return sourceFiles(dir).some((file) => readFileSync(file, 'utf8').includes(needle));
}

/** Whether `CRYPTULLY_HARNESS_REQUIRE` demands this client. */
function required(kind: ClientKind): boolean {
  const list = (process.env.CRYPTULLY_HARNESS_REQUIRE ?? '').split(',').map((s) => s.trim());
  return list.includes('all') || list.includes(kind);
}

interface ClientLayout {
  /** Present once the client exists in the tree. */
  exists(): boolean;
  /** What must be present to run it once it exists. */
  builtFiles: string[];
  /** Said when it does not exist yet. */
  missing: string;
}

const engineExists = (): boolean => existsSync(repoPath('packages/core/src/engine/index.ts'));
const ENGINE_MISSING = 'the engine (packages/core/src/engine) has not landed yet';

/** Data, not branches: how each client is found. Every client needs the engine. */
const LAYOUTS: Record<ClientKind, ClientLayout> = {
  core: {
    exists: engineExists,
    builtFiles: [
      'packages/core/dist/engine/index.js',
      'packages/test-harness/dist/drivers/core-node-child.js',
    ],
    missing: ENGINE_MISSING,
  },
  cli: {
    exists: () =>
      engineExists() && sourceMentions(repoPath('packages/cli/src'), '@cryptully/core/engine'),
    builtFiles: ['packages/core/dist/engine/index.js', 'packages/cli/dist/bin.js'],
    missing: 'the CLI does not run the engine yet (no @cryptully/core/engine in packages/cli/src)',
  },
  desktop: {
    exists: () =>
      engineExists() &&
      sourceMentions(repoPath('packages/desktop/src'), '--web') &&
      sourceMentions(repoPath('packages/desktop/src'), '@cryptully/core/engine'),
    builtFiles: [
      'packages/core/dist/engine/index.js',
      'packages/desktop/dist/bin.js',
      'packages/desktop/dist/renderer',
    ],
    missing: 'the desktop browser mode (--web on the engine) has not landed yet',
  },
};

/** Decides whether a client can be driven; see the module comment. */
export function clientAvailability(kind: ClientKind): Availability {
  const layout = LAYOUTS[kind];
  if (!layout.exists()) {
    const why = kind !== 'core' && !engineExists() ? ENGINE_MISSING : layout.missing;
    return required(kind)
      ? { state: 'broken', why: `${why}, but CRYPTULLY_HARNESS_REQUIRE asks for it` }
      : { state: 'unavailable', why };
  }
  for (const file of layout.builtFiles) {
    if (!existsSync(repoPath(file))) {
      return { state: 'broken', why: `${file} is missing: run "pnpm build" first` };
    }
  }
  return { state: 'available' };
}

/** The newest modification time of the files under `dir` (0 when absent). */
export function newestMtime(dir: string): number {
  return Math.max(0, ...sourceFiles(dir).map((file) => statSync(file).mtimeMs));
}
