/**
 * Scale dialer: on `{type:'open', count, port}` opens `count` more idle connections to the
 * host (raw TCP, secure links, or ChatNodes that join it), a few at a time, and answers
 * `{type:'opened', open, failed, error?}`.
 * Args: `<mode: raw|secure|fallback|engine>`.
 * @module
 */
import { x25519 } from '@cryptully/core/crypto';
import { tcpTransport } from '@cryptully/core/transport';
import { type ChatNodeLike, EventQueue, loadEngine } from '../net/engine-api.js';
import { loadSecureApi } from '../net/secure-api.js';
import { exitOnTerminate, tellParent } from './ipc.js';

exitOnTerminate();

const [mode] = process.argv.slice(2) as [string];
const CONCURRENCY = 32;
const transport = tcpTransport();
const api =
  mode === 'secure' || mode === 'fallback' ? await loadSecureApi(mode === 'fallback') : undefined;
const engine = mode === 'engine' ? await loadEngine() : undefined;
const kept: unknown[] = [];
let open = 0;
let failed = 0;
let firstError: string | undefined;
/** Serial number of the next ChatNode: names must differ, or the host sees a key change. */
let serial = 0;

/** Opens one idle connection of the chosen kind. */
async function openOne(port: number): Promise<void> {
  if (engine !== undefined) {
    if (typeof engine === 'string') throw new Error(engine);
    const node: ChatNodeLike = await engine.open(`peer-${serial++}`);
    const events = new EventQueue(node);
    await node.dispatch({ cmd: 'join', target: `127.0.0.1:${port}` });
    try {
      const outcome = await events.next(['connected', 'disconnected'], () => true, 60_000);
      if (outcome.event === 'disconnected')
        throw new Error(`${outcome.reason}: ${outcome.message}`);
    } catch (error) {
      await node.close();
      throw error;
    } finally {
      events.unsubscribe();
    }
    kept.push(node);
    return;
  }
  const stream = await transport.dial({ host: '127.0.0.1', port }, { timeoutMs: 30_000 });
  stream.on('error', () => {});
  kept.push(api ? await api.initiate(stream, x25519.generateKeyPair()) : stream);
}

process.on('message', async (message: { type: string; count: number; port: number }) => {
  if (message.type !== 'open') return;
  let next = 0;
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (next < message.count) {
      next++;
      try {
        await openOne(message.port);
        open++;
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  });
  await Promise.all(workers);
  tellParent({ type: 'opened', open, failed, ...(firstError ? { error: firstError } : {}) });
});
tellParent({ type: 'ready' });
