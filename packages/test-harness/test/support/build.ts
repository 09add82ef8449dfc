import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { newestMtime, repoPath } from '../../src/drivers/paths.js';

/**
 * The core child driver runs as compiled JavaScript in its own process: rebuild the harness
 * (only this package, `tsc -p`) when dist is missing or older than src, so a plain
 * `vitest run` after an edit never drives a stale script.
 */
export function ensureHarnessBuilt(): void {
  const child = repoPath('packages/test-harness/dist/drivers/core-node-child.js');
  const fresh =
    existsSync(child) &&
    statSync(child).mtimeMs >= newestMtime(repoPath('packages/test-harness/src'));
  if (fresh) return;
  try {
    execFileSync(process.execPath, [repoPath('node_modules/typescript/bin/tsc'), '-p', '.'], {
      cwd: repoPath('packages/test-harness'),
      stdio: 'pipe',
    });
  } catch (error) {
    // tsc emits even with type errors elsewhere; only a missing output is fatal here.
    if (!existsSync(child)) throw error;
  }
}
