/**
 * A hosting ChatNode for the latency and scale benchmarks: listens on 127.0.0.1, accepts every
 * request at once, and reports its port; answers RSS requests (see `answerRssRequests`).
 * Args: `[maxSessions]`.
 * @module
 */
import { loadEngine } from '../net/engine-api.js';
import { answerRssRequests, exitOnTerminate, tellParent } from './ipc.js';

exitOnTerminate();

const maxSessions = Number(process.argv[2] ?? 64);
const engine = await loadEngine();
if (typeof engine === 'string') {
  tellParent({ type: 'unavailable', reason: engine });
  process.exit(0);
}
const node = await engine.open('bench-host', {
  // Every benchmark peer is a stranger from 127.0.0.1: lift the per-address, per-source and
  // strangers' caps (which exist against floods and code-hunting men in the middle) with the
  // session cap, or the ramp stops after 8 sessions.
  limits: {
    maxSessions,
    maxPendingHandshakes: 256,
    maxPerAddress: maxSessions,
    maxPendingPerSource: 256,
    maxStrangerRequestsPerWindow: maxSessions,
    maxUndecidedPerSource: maxSessions,
    maxUndecidedStrangers: maxSessions,
  },
});
let connected = 0;
node.on((event) => {
  if (event.event === 'request') {
    void node.dispatch({ cmd: 'accept', peer: event.peer, confirmKeyChange: event.keyChanged });
  } else if (event.event === 'connected') connected++;
  else if (event.event === 'disconnected') connected--;
  else if (event.event === 'listening') tellParent({ type: 'ready', port: event.port });
  else if (event.event === 'error') tellParent({ type: 'engine-error', message: event.message });
});
answerRssRequests(() => connected);
await node.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
