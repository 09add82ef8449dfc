import type { BenchReport, Figure } from './report.js';
import { round } from './stats.js';

/**
 * Renders a {@link BenchReport} as the plain-text table `pnpm bench` prints.
 * @module
 */

const number = (value: number) =>
  Number.isInteger(value) && Math.abs(value) >= 1000
    ? value.toLocaleString('en-US')
    : String(round(value, 4));

function pad(cells: string[], widths: number[]): string {
  return cells
    .map((cell, i) => cell.padEnd(widths[i]!))
    .join('  ')
    .trimEnd();
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => pad(row, widths));
}

function detailText(figure: Figure): string {
  const entries = Object.entries(figure.details ?? {});
  return entries.map(([key, value]) => `${key}=${number(value)}`).join(' ');
}

/** The human-readable report. */
export function renderReport(report: BenchReport): string {
  const m = report.machine;
  const byId = new Map(report.figures.map((figure) => [figure.id, figure]));
  const lines = [
    `Cryptully benchmarks, ${report.startedAt}${report.options.quick ? ' (--quick: rough figures)' : ''}`,
    `Machine: ${m.cpuModel}${m.cpuFeatures ? ` (${m.cpuFeatures.join(' ') || 'no avx2, avx512f, sha_ni, aes, vaes'})` : ''}, ${m.cores} cores, ${round(m.ramBytes / 2 ** 30, 3)} GiB RAM, ` +
      `Node ${m.node}, OpenSSL ${m.openssl}, kernel ${m.kernel} (${m.platform})` +
      (m.fdLimit ? `, fd limit ${m.fdLimit}` : '') +
      (m.loadAverage1m !== undefined ? `, load average ${m.loadAverage1m} at start` : ''),
    `Crypto: ${m.crypto ?? 'unknown'}` +
      (report.options.crypto === 'both'
        ? '; figures marked [CRYPTULLY_CRYPTO=node] ran with node:crypto (ids ending in @node)'
        : report.options.crypto === 'node'
          ? '; this run forced CRYPTULLY_CRYPTO=node'
          : ''),
    '',
  ];
  const rows = [['group', 'figure', 'value', 'unit', 'vs reference (same run)']];
  for (const figure of report.figures) {
    const reference = figure.reference ? byId.get(figure.reference) : undefined;
    const versus = reference
      ? `${reference.value > 0 ? `${round(figure.value / reference.value, 3)}x` : `vs ${number(reference.value)}:`} ${reference.label.split(',')[0]}`
      : figure.isReference
        ? '(reference)'
        : '';
    rows.push([
      figure.group,
      figure.label + (figure.note ? ' *' : ''),
      number(figure.value),
      figure.unit,
      versus,
    ]);
  }
  lines.push(...table(rows), '');
  lines.push('Details');
  for (const figure of report.figures) {
    const details = detailText(figure);
    if (details) lines.push(`  ${figure.id}: ${details}`);
    if (figure.note) lines.push(`  ${figure.id} *: ${figure.note}`);
  }
  lines.push('', 'Targets (issue 15, and issue 8 where 15 sets none)');
  if (report.targets.length === 0)
    lines.push('  (none of the figures a target needs were measured)');
  for (const check of report.targets) {
    lines.push(
      `  [${check.met ? 'met' : 'NOT met'}] ${check.goal}: measured ${number(check.measured)} ` +
        `${check.unit}, target ${number(check.target)} ${check.unit}: ${check.distance}`,
    );
  }
  if (report.notes.length > 0) {
    lines.push('', 'Notes');
    for (const note of report.notes) lines.push(`  - ${note}`);
  }
  lines.push('', `Finished in ${round(report.durationMs / 1000, 3)} s.`);
  return `${lines.join('\n')}\n`;
}
