/**
 * Where the clients live in the monorepo, and whether each is built.
 *
 * Every client (core, cli, desktop) is part of the tree, so every matrix cell runs: a client
 * that cannot run (not built) is `broken` and its cells fail; nothing is skipped because of a
 * client.
 * @module
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
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

/** Data, not branches: what must be built to run each client. */
const BUILT_FILES: Record<ClientKind, string[]> = {
  core: [
    'packages/core/dist/engine/index.js',
    'packages/test-harness/dist/drivers/core-node-child.js',
  ],
  cli: ['packages/core/dist/engine/index.js', 'packages/cli/dist/bin.js'],
  desktop: [
    'packages/core/dist/engine/index.js',
    'packages/desktop/dist/bin.js',
    'packages/desktop/dist/renderer',
  ],
};

/** Whether a client can be driven: `available`, or `broken` with the missing build output. */
export function clientAvailability(kind: ClientKind): Availability {
  for (const file of BUILT_FILES[kind]) {
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
