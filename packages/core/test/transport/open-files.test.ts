// The host's open-file limit: raised from soft to hard where the OS allows, and a warning in
// one sentence when it stays low. Runs in child processes started with a lowered soft limit
// (prlimit), so that this test process's own limit is left alone.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const built = join(import.meta.dirname, '..', '..', 'dist', 'adapters', 'open-files.js');
const script = `import(${JSON.stringify(built)}).then((m) => console.log(JSON.stringify(m.raiseOpenFileLimit())))`;
const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0 && process.platform === 'linux';
if (!hasPrlimit) console.warn('SKIPPED: open-file limit tests need Linux and prlimit (util-linux)');

/** Runs the probe under `prlimit --nofile=soft:hard`. */
function probe(soft: number, hard: number) {
  const out = execFileSync(
    'prlimit',
    [`--nofile=${soft}:${hard}`, process.execPath, '-e', script],
    { encoding: 'utf8' },
  );
  return JSON.parse(out) as { before: number; after: number; hard: number; warning?: string };
}

describe.skipIf(!hasPrlimit)('open-file limit', () => {
  it('keeps a comfortable limit without a warning (Node already raised soft to hard)', () => {
    const result = probe(256, 9000);
    expect(result.before).toBe(9000);
    expect(result.after).toBeGreaterThanOrEqual(9000);
    expect(result.warning).toBeUndefined();
  });

  it('raises a low hard limit where allowed (root), else says so in one sentence', () => {
    const result = probe(300, 1024);
    expect(result.before).toBe(1024);
    if (result.after >= 8192) {
      // Root with CAP_SYS_RESOURCE: raised to the wanted limit.
      expect(result).toMatchObject({ after: 65536, hard: 65536 });
      expect(result.warning).toBeUndefined();
    } else {
      expect(result).toMatchObject({ after: 1024, hard: 1024 });
      expect(result.warning).toBe(
        'the open-file limit is 1024 (hard limit 1024) and could not be raised, so this host ' +
          'can hold at most about 974 connections at once; raise it with `ulimit -n` before starting',
      );
    }
  });
});
