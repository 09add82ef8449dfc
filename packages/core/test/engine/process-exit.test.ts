// No timer or socket outlives close(): a program that closes its chat nodes exits by itself,
// even with a hostile connection still in its handshake. Runs the built engine (dist) in a
// child process, since only a fresh process shows what keeps the event loop alive.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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

// Joins in progress when the node closes: one whose dial hangs (argv[2]: a port whose
// listener is stopped with a full backlog), one whose handshake hangs (a host that accepts and
// never answers). The default timeouts (10 s each) are longer than the test's watchdog: only
// close() cancelling them lets the process exit in time.
const JOIN_SCRIPT = `
const { ChatNode } = await import(process.argv[1]);
const hangingPort = Number(process.argv[2]);
const { mkdtempSync, rmSync } = await import('node:fs');
const { createServer } = await import('node:net');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const home = mkdtempSync(join(tmpdir(), 'cryptully-exit-'));
const mute = createServer((socket) => socket.unref());
await new Promise((resolve) => mute.listen(0, '127.0.0.1', resolve));
mute.unref();
const node = await ChatNode.open({ home, name: 'Joiner', clientName: 'exit-test', clientVersion: '1' });
const events = [];
node.on((e) => events.push(e.event));
const joins = [
  node.dispatch({ cmd: 'join', target: '127.0.0.1:' + hangingPort }),
  node.dispatch({ cmd: 'join', target: '127.0.0.1:' + mute.address().port }),
];
await new Promise((resolve) => setTimeout(resolve, 200));
await node.close();
await Promise.all(joins);
rmSync(home, { recursive: true, force: true });
console.log('closed ' + events.join(','));
`;

/** Runs `script` with the built engine in a child; its exit code (null: killed after 8 s) and output. */
async function runChild(script: string, ...args: string[]) {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', script, pathToFileURL(builtEngine).href, ...args],
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
  return { code, output };
}

describe('closing', () => {
  // A listener in a stopped process with a backlog of 1, its queue filled: the kernel drops
  // new SYNs, so a dial to it hangs (loopback only).
  let stopped: ChildProcess | undefined;
  let hangingPort = 0;
  const fillers: Socket[] = [];
  beforeAll(async () => {
    if (!available) return;
    stopped = spawn(
      process.execPath,
      [
        '-e',
        `require('node:net').createServer().listen({ host: '127.0.0.1', port: 0, backlog: 1 },
           function () { process.stdout.write(String(this.address().port) + '\\n'); });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const [line] = (await once(stopped.stdout!, 'data')) as [Buffer];
    hangingPort = Number(line.toString().trim());
    stopped.kill('SIGSTOP');
    for (let i = 0; i < 8; i++) {
      const socket = connect(hangingPort, '127.0.0.1');
      socket.on('error', () => {});
      fillers.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  });
  afterAll(() => {
    for (const socket of fillers) socket.destroy();
    stopped?.kill('SIGKILL');
  });

  it.skipIf(!available)('cancels joins still dialing or in their handshake', async () => {
    const { code, output } = await runChild(JOIN_SCRIPT, String(hangingPort));
    // Nothing reported for joins the program gave up on itself: only "connecting" twice.
    expect(output).toContain('closed ready,connecting,connecting\n');
    // Killed by the watchdog (null) would mean a dial or handshake kept the event loop alive.
    expect(code).toBe(0);
  });

  it.skipIf(!available)('leaves nothing that keeps the process alive', async () => {
    const { code, output } = await runChild(SCRIPT);
    expect(output).toContain('closed');
    // Killed by the watchdog (null) would mean something kept the event loop alive.
    expect(code).toBe(0);
  });
});
