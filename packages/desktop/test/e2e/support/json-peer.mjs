#!/usr/bin/env node
// A scripted friend for the end-to-end tests, speaking exactly what `cryptully --json` speaks
// (events as JSON lines on stdout, commands as JSON lines on stdin) on core's real ChatNode
// over real TCP. Used when the CLI's --json mode is not built; see json-peer.ts.
//   node json-peer.mjs host --name Carol
//   node json-peer.mjs join <invite-or-address> --name Dave
import { createInterface } from 'node:readline';
import { ChatNode } from '@cryptully/core/engine';
import { parseCommandLine } from '@cryptully/core/protocol';

const [mode, ...rest] = process.argv.slice(2);
const nameAt = rest.indexOf('--name');
const name = nameAt >= 0 ? rest[nameAt + 1] : 'Peer';
const target = mode === 'join' ? rest[0] : undefined;

const node = await ChatNode.open({
  name,
  clientName: 'cryptully-e2e-peer',
  clientVersion: '0.0.0',
  log: (line) => process.stderr.write(`${line}\n`),
});
node.on((event) => process.stdout.write(`${JSON.stringify(event)}\n`));
if (mode === 'host') await node.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
if (mode === 'join' && target) await node.dispatch({ cmd: 'join', target });

createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  try {
    void node.dispatch(parseCommandLine(line));
  } catch (error) {
    process.stdout.write(
      `${JSON.stringify({ event: 'error', code: 'ERR_BAD_COMMAND', message: error.message })}\n`,
    );
  }
});
const stop = () => node.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
