// Runs the first example of packages/core/README.md as written, in a child process that
// imports the built package by name (as a user's project would). Protects: that the README's
// first example works and prints what the README says.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const packageDir = join(import.meta.dirname, '..');
const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');

/** The body of the first fenced block of `language` after `from`. */
function block(language: string, from = 0): { code: string; end: number } {
  const start = readme.indexOf(`\`\`\`${language}\n`, from);
  if (start < 0) throw new Error(`README.md has no \`\`\`${language} block`);
  const body = start + language.length + 4;
  const end = readme.indexOf('\n```', body);
  return { code: readme.slice(body, end + 1), end };
}

describe('packages/core/README.md', () => {
  it('runs its first example, which prints what the README shows', () => {
    const example = block('js');
    const expected = block('text', example.end).code.trim().split('\n');
    // Inside the package folder, so that '@cryptully/core/...' resolves to this package.
    const dir = mkdtempSync(join(packageDir, '.readme-example-'));
    try {
      const file = join(dir, 'first-chat.mjs');
      writeFileSync(file, example.code);
      const child = spawnSync(process.execPath, [file], {
        encoding: 'utf8',
        timeout: 25_000,
        env: { ...process.env, CRYPTULLY_HOME: dir },
      });
      expect(child.stderr).toBe('');
      expect(child.status).toBe(0);
      const lines = child.stdout.trim().split('\n');
      expect(lines).toHaveLength(expected.length);
      // `…` in the README stands for the verification code, which differs on every run.
      expected.forEach((line, i) => {
        const [before, after] = line.split('…');
        if (after === undefined) expect(lines[i]).toBe(line);
        else
          expect(lines[i]).toMatch(
            new RegExp(`^${escapeRegExp(before!)}\\S.*${escapeRegExp(after)}$`),
          );
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
