import type { GroupOptions } from '../group-options.js';
import { EventQueue, loadEngine } from '../net/engine-api.js';
import type { Figure } from '../report.js';
import { startWorker } from '../workers/ipc.js';
import { latencyFigure, roundTrips } from './round-trips.js';

/**
 * The chat round trip through two ChatNodes in two processes: `send` on one node until the
 * `delivered` event (the other node's receipt) comes back.
 * @returns the figure, or a note saying why it was not measured.
 */
export async function measureEngineLatency(
  count: number,
  warmup: number,
  options: GroupOptions,
): Promise<{ figure?: Figure; note?: string }> {
  const engine = await loadEngine();
  if (typeof engine === 'string')
    return { note: `latency through ChatNodes not measured: ${engine}` };
  options.progress('latency: two ChatNodes (send until delivered)');
  const host = startWorker('chat-host', ['4'], options.workerExecArgv);
  try {
    const { port } = await host.next<{ type: 'ready'; port: number }>('ready');
    const node = await engine.open('bench-joiner');
    const events = new EventQueue(node);
    try {
      await node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
      const { peer } = await events.next('connected');
      const roundTrip = async () => {
        await node.dispatch({ cmd: 'send', peer, text: 'hello, are you there?' });
        const sent = await events.next('sent');
        await events.next('delivered', (event) => event.id === sent.id);
      };
      const trips = await roundTrips(count, roundTrip, warmup, host);
      return {
        figure: latencyFigure(
          'latency.round-trip',
          'chat message until its receipt, two ChatNodes in two processes',
          trips,
          { reference: 'latency.raw-tcp' },
        ),
      };
    } finally {
      events.unsubscribe();
      await node.close();
    }
  } catch (error) {
    return { note: `latency through ChatNodes failed: ${(error as Error).message}` };
  } finally {
    await host.stop();
  }
}
