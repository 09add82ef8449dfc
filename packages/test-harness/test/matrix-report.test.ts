/**
 * The matrix's bookkeeping, without processes. Protects: that an absent client turns its
 * cells into "unavailable" (never a silent pass), that a broken one is not hidden as
 * unavailable, and that the table and the JSON report count what happened.
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
  pairUnavailable,
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

  it('marks a pair unavailable when either client does not exist yet, saying why', () => {
    const clients = {
      ...all({ state: 'available' }),
      desktop: { state: 'unavailable', why: 'no --web yet' },
    } as Record<ClientKind, Availability>;
    expect(pairUnavailable(clients, 'core', 'cli')).toBeUndefined();
    expect(pairUnavailable(clients, 'desktop', 'core')).toBe('desktop: no --web yet');
    expect(pairUnavailable(clients, 'cli', 'desktop')).toBe('desktop: no --web yet');
  });

  it('never reports a broken client as unavailable: its cells run and fail', () => {
    const clients = all({ state: 'broken', why: 'dist missing' });
    expect(pairUnavailable(clients, 'core', 'core')).toBeUndefined();
  });

  it('counts results and prints them in the table, with why a client is unavailable', () => {
    const clients = {
      ...all({ state: 'available' }),
      cli: { state: 'unavailable', why: 'no engine yet' },
    } as Record<ClientKind, Availability>;
    const cells: MatrixCell[] = [
      { scenario: 'invite-join', host: 'core', joiner: 'core', result: 'pass', ms: 1234 },
      { scenario: 'invite-join', host: 'core', joiner: 'desktop', result: 'fail', ms: 10 },
      { scenario: 'invite-join', host: 'core', joiner: 'cli', result: 'unavailable', ms: 0 },
    ];
    const report = buildReport(clients, cells);
    expect(report.summary).toEqual({ pass: 1, fail: 1, unavailable: 1 });
    const table = formatTable(report, SCENARIOS);
    expect(table).toContain('pass 1.2s');
    expect(table).toContain('FAIL');
    expect(table).toContain('n/a');
    expect(table).toContain('cli: unavailable (no engine yet)');
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
