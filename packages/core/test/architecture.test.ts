// Enforces the boundaries of docs/architecture.md: protocol modules are pure (no I/O, no
// timers, no Node-only modules except through the crypto module), and core imports nothing
// from the front ends, the DOM, electron or blessed.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(code: string): string[] {
  const specifiers: string[] = [];
  const pattern =
    /(?:import|export)[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const match of code.matchAll(pattern)) specifiers.push(match[1] ?? match[2] ?? match[3]!);
  return specifiers;
}

/** Folders whose modules must stay pure protocol code. */
const PURE_FOLDERS = [
  'noise',
  'channel',
  'session',
  'identity',
  'protocol',
  'pake',
  'smp',
  'files',
];
/** Browser-safe folders: not even node:crypto, since the desktop renderer bundles them. */
const BROWSER_FOLDERS = ['protocol'];
const IO_GLOBALS =
  /\b(setTimeout|setInterval|setImmediate|process\.nextTick|queueMicrotask|fetch|document|window)\s*[(.]/;

interface SourceFile {
  /** Path relative to src/, e.g. `noise/cipher-state.ts`. */
  rel: string;
  code: string;
}

function violations(files: SourceFile[]): string[] {
  const found: string[] = [];
  for (const { rel, code } of files) {
    const folder = rel.split(/[\\/]/)[0]!;
    for (const specifier of importsOf(code)) {
      if (/^(electron|blessed)$|^@cryptully\/(cli|desktop|test-harness)/.test(specifier)) {
        found.push(`${rel} imports ${specifier}: core must not depend on a front end`);
      }
      if (PURE_FOLDERS.includes(folder)) {
        if (
          specifier.startsWith('node:') ||
          /^(net|fs|dgram|tls|http|https|child_process|timers|worker_threads)(\/|$)/.test(specifier)
        ) {
          found.push(`${rel} imports ${specifier}: protocol modules do no I/O; use an adapter`);
        }
        if (specifier.includes('/adapters/') || specifier.includes('/engine/')) {
          found.push(`${rel} imports ${specifier}: protocol modules must not depend on adapters`);
        }
      }
      if (BROWSER_FOLDERS.includes(folder) && specifier.includes('/crypto/')) {
        found.push(`${rel} imports ${specifier}: this folder must stay browser-safe`);
      }
    }
    if (PURE_FOLDERS.includes(folder)) {
      const withoutComments = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      const io = IO_GLOBALS.exec(withoutComments);
      if (io) found.push(`${rel} uses ${io[1]}: protocol modules take time as an argument`);
      if (/\bBuffer\b/.test(withoutComments) && BROWSER_FOLDERS.includes(folder)) {
        found.push(`${rel} uses Buffer: this folder must stay browser-safe`);
      }
    }
  }
  return found;
}

const coreSources = (): SourceFile[] =>
  sourceFiles(src).map((file) => ({ rel: relative(src, file), code: readFileSync(file, 'utf8') }));

describe('architecture boundaries', () => {
  it('keeps protocol modules free of I/O, timers and front-end imports', () => {
    expect(violations(coreSources())).toEqual([]);
  });

  it('reports a protocol module that imports node:net', () => {
    const bad = { rel: 'noise/probe.ts', code: "import { connect } from 'node:net';\n" };
    expect(violations([...coreSources(), bad])).toEqual([
      'noise/probe.ts imports node:net: protocol modules do no I/O; use an adapter',
    ]);
  });

  it('reports a timer in a session module and blessed anywhere in core', () => {
    const files = [
      { rel: 'session/probe.ts', code: 'export const t = () => setTimeout(() => {}, 5);\n' },
      { rel: 'adapters/probe.ts', code: "import blessed from 'blessed';\n" },
    ];
    expect(violations(files)).toEqual([
      'session/probe.ts uses setTimeout: protocol modules take time as an argument',
      'adapters/probe.ts imports blessed: core must not depend on a front end',
    ]);
  });
});
