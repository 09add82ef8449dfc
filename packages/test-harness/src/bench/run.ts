#!/usr/bin/env node
/**
 * `pnpm bench`: runs Cryptully's benchmark groups, each in its own child process, and prints
 * a table (or, with `--json`, a JSON {@link BenchReport}) with the machine it ran on, every
 * figure beside its reference measured in the same run, and how far each target of issue 8 is.
 * See README.md in this folder.
 * @module
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GroupOptions } from './group-options.js';
import { fdLimit, machineInfo } from './machine.js';
import { CRYPTO_GROUPS, parseOptions, usage } from './options.js';
import { renderReport } from './render.js';
import type { BenchReport, GroupName, GroupResult } from './report.js';
import { checkTargets } from './targets.js';

const childScript = fileURLToPath(new URL('./child.js', import.meta.url));

/** Runs one group in a child process; resolves with its result or a failure note. */
function runGroup(
  group: GroupName,
  settings: Omit<GroupOptions, 'progress'>,
  execArgv: string[],
  crypto: 'default' | 'node',
): Promise<GroupResult> {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    let result: GroupResult | undefined;
    // The provider is chosen once per process: the child and the workers it starts inherit it.
    const env = { ...process.env };
    if (crypto === 'node') env.CRYPTULLY_CRYPTO = 'node';
    const child = fork(childScript, [group, JSON.stringify(settings)], {
      execArgv,
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (message) => (result = message as GroupResult));
    child.on('exit', (code, signal) => {
      resolvePromise(
        result ?? {
          group,
          figures: [],
          notes: [
            `${group}: the benchmark process failed (${signal ?? `exit code ${code}`}); see its output above`,
          ],
          durationMs: Date.now() - started,
        },
      );
    });
  });
}

/** What `cryptully --version` would say about the crypto provider of this process. */
async function cryptoDescription(): Promise<string> {
  try {
    const { cryptoProviderInfo: info } = await import('@cryptully/core/crypto');
    return info.fallbackReason ? `${info.description} (${info.fallbackReason})` : info.description;
  } catch {
    return 'unknown';
  }
}

/**
 * Marks the figures of a group's second run, with node:crypto: ids (and the references, which
 * that same run measured) get `@node`, labels say so. The targets are checked on the first run.
 */
function tagNodeRun(result: GroupResult): GroupResult {
  return {
    ...result,
    figures: result.figures.map((figure) => ({
      ...figure,
      id: `${figure.id}@node`,
      label: `${figure.label} [CRYPTULLY_CRYPTO=node]`,
      ...(figure.reference ? { reference: `${figure.reference}@node` } : {}),
    })),
    notes: result.notes.map((note) => `(CRYPTULLY_CRYPTO=node) ${note}`),
  };
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(usage());
    return 0;
  }
  const startedAt = new Date();
  const machine = { ...machineInfo(), fdLimit: fdLimit(), crypto: await cryptoDescription() };
  const execArgv: string[] = ['--expose-gc'];
  if (options.cpuProf) {
    const dir = resolve(options.cpuProf);
    mkdirSync(dir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
    process.stderr.write(`CPU profiles go to ${dir}\n`);
  }
  const settings = { quick: options.quick, fallback: options.fallback, workerExecArgv: execArgv };
  const results: GroupResult[] = [];
  for (const group of options.only) {
    const both = options.crypto === 'both' && CRYPTO_GROUPS.includes(group);
    if (options.crypto !== 'node') {
      process.stderr.write(`bench: ${group}${both ? ` (${machine.crypto})` : ''}\n`);
      results.push(await runGroup(group, settings, execArgv, 'default'));
    }
    if (options.crypto === 'node' || both) {
      process.stderr.write(`bench: ${group} (CRYPTULLY_CRYPTO=node)\n`);
      const result = await runGroup(group, settings, execArgv, 'node');
      results.push(options.crypto === 'node' ? result : tagNodeRun(result));
    }
  }
  const figures = results.flatMap((result) => result.figures);
  const report: BenchReport = {
    schema: 'cryptully-bench/1',
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    options: { quick: options.quick, only: options.only, crypto: options.crypto },
    machine,
    figures,
    targets: checkTargets(figures),
    notes: results.flatMap((result) => result.notes),
  };
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (options.out) {
    const file = resolve(options.out);
    writeFileSync(file, json);
    process.stderr.write(`bench: JSON report written to ${file}\n`);
  }
  process.stdout.write(options.json ? json : renderReport(report));
  return 0;
}

process.exitCode = await main();
