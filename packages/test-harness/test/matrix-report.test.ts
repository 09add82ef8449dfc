/**
 * The matrix's bookkeeping, without processes. Protects: that the table and the JSON report
 * count what happened, and say why a client is broken.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Availability, ClientKind } from '../src/drivers/driver.js';
import {
  buildReport,
  clientPairs,
  formatTable,
  type MatrixCell,
  writeReport,
} from '../src/matrix.js';
import { SCENARIOS } from '../src/scenarios.js';

const all = (state: Availability): Record<ClientKind, Availability> => ({
  core: state,
  cli: state,
  desktop: state,
});

describe('interop matrix bookkeeping', () => {
  it('has every (host, joiner) pair once: 9 pairs of 3 clients', () => {
    const pairs = clientPairs().map((p) => `${p.host}>${p.joiner}`);
    expect(new Set(pairs).size).toBe(9);
  });

  it('counts results and prints them in the table, with why a client is broken', () => {
    const clients = {
      ...all({ state: 'available' }),
      cli: { state: 'broken', why: 'packages/cli/dist/bin.js is missing' },
    } as Record<ClientKind, Availability>;
    const cells: MatrixCell[] = [
      { scenario: 'invite-join', host: 'core', joiner: 'core', result: 'pass', ms: 1234 },
      { scenario: 'invite-join', host: 'core', joiner: 'desktop', result: 'fail', ms: 10 },
      { scenario: 'invite-join', host: 'core', joiner: 'cli', result: 'fail', ms: 0 },
    ];
    const report = buildReport(clients, cells);
    expect(report.summary).toEqual({ pass: 1, fail: 2 });
    const table = formatTable(report, SCENARIOS);
    expect(table).toContain('pass 1.2s');
    expect(table).toContain('FAIL 0.0s');
    expect(table).toContain('cells: 1 pass, 2 fail');
    expect(table).toContain('cli: broken (packages/cli/dist/bin.js is missing)');
    expect(table.split('\n')[0]).toContain('desktop→desktop');
  });

  it('writes the JSON report: scenario × host × joiner → result and time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cryptully-report-'));
    try {
      const path = join(dir, 'nested', 'interop-matrix.json');
      const cell: MatrixCell = {
        scenario: 'typing',
        host: 'cli',
        joiner: 'core',
        result: 'pass',
        ms: 7,
      };
      writeReport(buildReport(all({ state: 'available' }), [cell]), path);
      const written = JSON.parse(readFileSync(path, 'utf8'));
      expect(written.cells).toEqual([cell]);
      expect(written.summary.pass).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
