#!/usr/bin/env node
// Runs every package's tests through turbo, then sums the vitest JSON reports into the one
// closing line CI reads: `N passed, N failed, N skipped`. A run that executed no test, or a
// package whose report is missing (a crash before vitest could write it), fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reports = join(root, 'reports');
const packagesDir = join(root, 'packages');
const extraArgs = process.argv.slice(2);

rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  FORCE_COLOR: process.env.FORCE_COLOR ?? '0',
};
const turbo = join(root, 'node_modules', '.bin', 'turbo');
const run = spawnSync(
  turbo,
  ['run', 'test', '--continue', '--concurrency=1', '--output-logs=full', ...extraArgs],
  { cwd: root, env, stdio: 'inherit' },
);

const packages = readdirSync(packagesDir).filter((name) =>
  existsSync(join(packagesDir, name, 'package.json')),
);
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const name of packages) {
  const file = join(reports, `${name}.json`);
  if (!existsSync(file)) {
    missing.push(name);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load (syntax error, import failure) counts no test: count it here.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
}

console.log('');
for (const name of missing)
  console.log(`test report missing for packages/${name}: counted as failed`);
failed += missing.length;
if (run.status !== 0 && failed === 0) {
  console.log(`turbo exited with status ${run.status}: counted as a failure`);
  failed += 1;
}
if (passed + failed === 0) {
  console.log('no test ran: counted as a failure');
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
