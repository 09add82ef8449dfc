/**
 * The interop matrix: every scenario for every (host client, joiner client) pair, run one cell
 * at a time, with a console table and a JSON report (`reports/interop-matrix.json`).
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CellContext } from './cell-context.js';
import type { Availability, ClientKind } from './drivers/driver.js';
import { CLIENT_KINDS, FACTORIES } from './drivers/factories.js';
import { repoPath } from './drivers/paths.js';
import type { Scenario } from './scenarios.js';

/** The outcome of one cell. */
export type CellResult = 'pass' | 'fail';

/** One cell of the report. */
export interface MatrixCell {
  scenario: string;
  host: ClientKind;
  joiner: ClientKind;
  result: CellResult;
  ms: number;
  /** Why it failed. */
  detail?: string;
}

/** The JSON report. */
export interface MatrixReport {
  generatedAt: string;
  clients: Record<ClientKind, Availability>;
  cells: MatrixCell[];
  summary: Record<CellResult, number>;
}

/** Where the report goes. */
export const MATRIX_REPORT_PATH = repoPath('reports', 'interop-matrix.json');

/** Every (host, joiner) pair, in table order. */
export function clientPairs(): Array<{ host: ClientKind; joiner: ClientKind }> {
  return CLIENT_KINDS.flatMap((host) => CLIENT_KINDS.map((joiner) => ({ host, joiner })));
}

/** The availability of each client, decided once per run. */
export function clientAvailabilities(): Record<ClientKind, Availability> {
  return Object.fromEntries(
    CLIENT_KINDS.map((kind) => [kind, FACTORIES[kind].availability()]),
  ) as Record<ClientKind, Availability>;
}

/** Runs one cell: the scenario with fresh clients, always cleaned up. Throws on failure. */
export async function runCell(
  scenario: Scenario,
  host: ClientKind,
  joiner: ClientKind,
  clients: Record<ClientKind, Availability>,
): Promise<MatrixCell> {
  for (const kind of new Set([host, joiner])) {
    const availability = clients[kind];
    if (availability.state === 'broken') throw new Error(`${kind} is broken: ${availability.why}`);
  }
  const ctx = new CellContext(host, joiner);
  const started = performance.now();
  try {
    await scenario.run(ctx);
    const violations = ctx.ndjsonViolations();
    if (violations.length > 0) {
      throw new Error(`stdout must carry only NDJSON events:\n${violations.join('\n')}`);
    }
    return { scenario: scenario.id, host, joiner, result: 'pass', ms: ms(started) };
  } catch (error) {
    const wrapped = new Error(
      `${scenario.id} [${host} host, ${joiner} joiner]: ${(error as Error).message}\n${ctx.diagnostics()}`,
    );
    (wrapped as Error & { cell?: MatrixCell }).cell = {
      scenario: scenario.id,
      host,
      joiner,
      result: 'fail',
      ms: ms(started),
      detail: (error as Error).message.slice(0, 500),
    };
    throw wrapped;
  } finally {
    await ctx.cleanup();
  }
}

function ms(started: number): number {
  return Math.round(performance.now() - started);
}

/** Builds the report from the cells. */
export function buildReport(
  clients: Record<ClientKind, Availability>,
  cells: MatrixCell[],
): MatrixReport {
  const summary: Record<CellResult, number> = { pass: 0, fail: 0 };
  for (const cell of cells) summary[cell.result] += 1;
  return { generatedAt: new Date().toISOString(), clients, cells, summary };
}

/** Writes the report as JSON (creating `reports/`). */
export function writeReport(report: MatrixReport, path = MATRIX_REPORT_PATH): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

const MARK: Record<CellResult, string> = { pass: 'pass', fail: 'FAIL' };

/** The matrix as a text table: a row per scenario, a column per host→joiner pair. */
export function formatTable(report: MatrixReport, scenarios: readonly Scenario[]): string {
  const pairs = clientPairs();
  const header = ['scenario \\ host→joiner', ...pairs.map((p) => `${p.host}→${p.joiner}`)];
  const rows = scenarios.map((scenario) => [
    scenario.id,
    ...pairs.map((pair) => {
      const cell = report.cells.find(
        (c) => c.scenario === scenario.id && c.host === pair.host && c.joiner === pair.joiner,
      );
      if (!cell) return '-';
      return `${MARK[cell.result]} ${(cell.ms / 1000).toFixed(1)}s`;
    }),
  ]);
  const widths = header.map((_, col) =>
    Math.max(...[header, ...rows].map((row) => (row[col] ?? '').length)),
  );
  const line = (row: string[]) => row.map((text, col) => text.padEnd(widths[col] ?? 0)).join(' │ ');
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const notes = CLIENT_KINDS.map((kind) => {
    const a = report.clients[kind];
    return `  ${kind}: ${a.state}${a.state === 'available' ? '' : ` (${a.why})`}`;
  });
  const { pass, fail } = report.summary;
  return [
    line(header),
    rule,
    ...rows.map(line),
    '',
    `cells: ${pass} pass, ${fail} fail`,
    'clients:',
    ...notes,
  ].join('\n');
}
