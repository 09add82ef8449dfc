/**
 * The interop matrix's DHT path: core, CLI and desktop back end as host and joiner (3×3 cells),
 * each client started inside the NAT lab (lab/lab.sh) with the lab's own DHT, the host behind
 * one port-preserving router and the joiner behind another. Nothing but a punched hole connects
 * them (the invite's TCP address is the host's loopback, unreachable from the other home), so
 * each cell shows: a join by invite through the DHT, path `holepunch` on both sides, a message
 * each way. One lab serves every cell; cells run one after another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellContext, is } from '../src/cell-context.js';
import type { ClientDriver, ClientKind } from '../src/drivers/driver.js';
import { CLIENT_KINDS, removeTempHomes } from '../src/drivers/factories.js';
import { killAllChildren } from '../src/drivers/ndjson-process-driver.js';
import { acceptJoiner, chatOnce } from '../src/scenarios.js';
import { ensureHarnessBuilt } from './support/build.js';
import { NatLab, natLabProblem } from './support/nat-lab.js';

const problem = natLabProblem();
if (problem) console.warn(`DHT INTEROP MATRIX: SKIPPED: ${problem}`);

/** Waits until a host's log says it is announced on the DHT. */
async function announced(host: ClientDriver, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!host.logs.some((line) => line.includes('listening on the DHT as'))) {
    if (Date.now() > deadline || !host.alive()) {
      throw new Error(`${host.label} not on the DHT after ${ms} ms: ${host.logs.join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(problem).sequential('interop matrix through the DHT, behind two cone NATs', () => {
  let lab: NatLab | undefined;
  const timings: string[] = [];
  beforeAll(async () => {
    ensureHarnessBuilt();
    lab = await NatLab.up('cone', 'cone');
  }, 90_000);
  afterAll(async () => {
    killAllChildren();
    await lab?.down();
    removeTempHomes();
    console.log(`DHT INTEROP MATRIX (join to connected, ms):\n${timings.join('\n')}`);
  }, 60_000);

  /** Where a client runs in the lab, with the lab's DHT on. */
  const inLab = (side: 'a' | 'b') => ({
    launcher: ['ip', 'netns', 'exec', lab!.namespace(side)],
    env: {
      CRYPTULLY_NO_DHT: '',
      CRYPTULLY_BOOTSTRAP: lab!.bootstrap,
      CRYPTULLY_NO_PORT_MAPPING: '1',
    },
  });

  for (const hostKind of CLIENT_KINDS) {
    for (const joinerKind of CLIENT_KINDS) {
      it(`${hostKind} host × ${joinerKind} joiner: join by invite through the DHT, holepunch on both sides, a message each way`, async () => {
        const ctx = new CellContext(hostKind as ClientKind, joinerKind as ClientKind);
        try {
          const { host, listening } = await ctx.host('Hana', inLab('a'));
          expect(listening.dhtKey).toMatch(/^[0-9a-f]{64}$/);
          await announced(host);
          const joiner = ctx.joiner('Jo', inLab('b'));
          const started = Date.now();
          await joiner.startJoin(listening.invite);
          // The DHT path has 30 s to find the host and punch: wait well beyond it.
          await host.waitFor(is('request', { name: 'Jo' }), {
            timeoutMs: 60_000,
            what: 'request from Jo through the DHT',
          });
          const { request, atHost, atJoiner } = await acceptJoiner(host, joiner, 'Jo');
          timings.push(`  ${hostKind} host × ${joinerKind} joiner: ${Date.now() - started}`);
          expect(atHost).toMatchObject({ path: 'holepunch' });
          expect(atJoiner).toMatchObject({ path: 'holepunch' });
          expect(atHost.remoteAddress).toMatch(/^11\.0\.2\.1:\d+$/);
          expect(atJoiner.remoteAddress).toMatch(/^11\.0\.1\.1:\d+$/);
          await chatOnce(joiner, atJoiner.peer, host, `from ${joinerKind} through the DHT`);
          await chatOnce(host, request.peer, joiner, `from ${hostKind} through the DHT`);
        } catch (error) {
          throw new Error(`${(error as Error).message}\n${ctx.diagnostics()}`);
        } finally {
          await ctx.cleanup();
        }
      }, 150_000);
    }
  }
});
