// No timer or socket outlives close(): a program that closes its chat nodes exits by itself,
// even with a hostile connection still in its handshake. Runs the built engine (dist) in a
// child process, since only a fresh process shows what keeps the event loop alive.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const builtEngine = join(import.meta.dirname, '../../dist/engine/index.js');
const available = existsSync(builtEngine);
if (!available) {
  console.warn(
    'process-exit.test.ts: needs a built core (pnpm --filter @cryptully/core build); skipped',
  );
}

const SCRIPT = `
const { ChatNode } = await import(process.argv[1]);
const { mkdtempSync, rmSync } = await import('node:fs');
const { connect } = await import('node:net');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const homes = [];
const open = (name) => {
  const home = mkdtempSync(join(tmpdir(), 'cryptully-exit-'));
  homes.push(home);
  return ChatNode.open({ home, name, clientName: 'exit-test', clientVersion: '1' });
};
const next = (node, event) =>
  new Promise((resolve) => {
    const off = node.on((e) => {
      if (e.event === event) { off(); resolve(e); }
    });
  });
const alice = await open('Alice');
const bob = await open('Bob');
const listening = next(alice, 'listening');
await alice.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
const { invite, port } = await listening;
const request = next(alice, 'request');
await bob.dispatch({ cmd: 'join', target: invite });
const { peer } = await request;
const connected = next(bob, 'connected');
await alice.dispatch({ cmd: 'accept', peer });
await connected;
const message = next(alice, 'message');
await bob.dispatch({ cmd: 'send', text: 'hi' });
await message;
// A silent connection, still in its handshake when the host closes.
const silent = connect(port, '127.0.0.1');
silent.on('error', () => {});
silent.write(Buffer.from([0, 12]));
await new Promise((resolve) => setTimeout(resolve, 50));
// Our end of it must not keep the process alive: only what the host failed to close would.
silent.unref();
await bob.close();
await alice.close();
for (const home of homes) rmSync(home, { recursive: true, force: true });
console.log('closed');
`;

describe('closing', () => {
  it.skipIf(!available)('leaves nothing that keeps the process alive', async () => {
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT, pathToFileURL(builtEngine).href],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 8000);
    const code = await exit;
    clearTimeout(watchdog);
    expect(output).toContain('closed');
    // Killed by the watchdog (null) would mean something kept the event loop alive.
    expect(code).toBe(0);
  });
});
