/**
 * The interop matrix: every scenario for every (host, joiner) pair of real client processes.
 * Protects: that each Cryptully client talks to every other over real sockets. Prints the
 * matrix and writes reports/interop-matrix.json; any failed cell fails the run. Every cell
 * runs: no client is skipped (one that is not built fails its cells).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempHomes } from '../src/drivers/factories.js';
import { killAllChildren } from '../src/drivers/ndjson-process-driver.js';
import {
  buildReport,
  clientAvailabilities,
  clientPairs,
  formatTable,
  type MatrixCell,
  runCell,
  writeReport,
} from '../src/matrix.js';
import { SCENARIOS } from '../src/scenarios.js';
import { ensureHarnessBuilt } from './support/build.js';

const clients = clientAvailabilities();
const cells: MatrixCell[] = [];

beforeAll(() => {
  ensureHarnessBuilt();
  for (const [kind, availability] of Object.entries(clients)) {
    if (availability.state !== 'available') {
      console.warn(
        `INTEROP MATRIX: client "${kind}" is ${availability.state}: ${availability.why}`,
      );
    }
  }
});

afterAll(() => {
  killAllChildren();
  removeTempHomes();
  const report = buildReport(clients, cells);
  writeReport(report);
  console.log(
    `\nInterop matrix (reports/interop-matrix.json)\n${formatTable(report, SCENARIOS)}\n`,
  );
});

describe.sequential('interop matrix', () => {
  it('every client is built and runnable (none broken)', () => {
    const broken = Object.entries(clients).filter(([, a]) => a.state === 'broken');
    expect(broken.map(([kind, a]) => `${kind}: ${a.state === 'broken' ? a.why : ''}`)).toEqual([]);
  });

  for (const scenario of SCENARIOS) {
    describe(scenario.id, () => {
      for (const { host, joiner } of clientPairs()) {
        const name = `${host} host × ${joiner} joiner: ${scenario.title}`;
        it(name, async () => {
          try {
            cells.push(await runCell(scenario, host, joiner, clients));
          } catch (error) {
            const cell = (error as { cell?: MatrixCell }).cell;
            cells.push(
              cell ?? {
                scenario: scenario.id,
                host,
                joiner,
                result: 'fail',
                ms: 0,
                detail: String(error),
              },
            );
            throw error;
          }
        });
      }
    });
  }
});
