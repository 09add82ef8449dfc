// Join by join code between two real cryptully processes in --json mode: LAN discovery by UDP
// broadcast on loopback (on a port of this test's own, CRYPTULLY_LAN_PORT), CPace in the
// handshake, a wrong code that fails the joiner and burns the host's code.
import { createSocket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, type JsonProcess, startJson, tempHome } from './helpers/json-process.js';

const folders: string[] = [];
const processes: JsonProcess[] = [];
afterAll(async () => {
  for (const p of processes) p.child.kill();
  await cleanup(folders);
});

async function home(): Promise<string> {
  const folder = await tempHome();
  folders.push(folder);
  return folder;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Another code with the same number: a wrong guess (the list has far more than two words). */
function wrongCode(code: string): string {
  const [number, first, second] = code.split('-');
  return [number, first === 'acid' ? 'acorn' : 'acid', second].join('-');
}

describe('join by join code, two --json processes', () => {
  it('joins with the code the host shows; a wrong code fails, burns the code and the host says so', async () => {
    const env = { CRYPTULLY_LAN_PORT: String(await freeUdpPort()), CRYPTULLY_NO_DHT: '1' };
    const host = startJson(
      ['host', '--json', '--port', '0', '--bind', '127.0.0.1', '--name', 'Alice'],
      await home(),
      env,
    );
    processes.push(host);
    const listening = await host.next('listening');
    expect(listening.code).toMatch(/^\d{1,3}-[a-z]+-[a-z]+$/);

    // A wrong code: one sentence, exit status 1; the host burns its code and shows a new one.
    const wrong = startJson(
      ['join', wrongCode(listening.code!), '--json', '--name', 'Mallory'],
      await home(),
      env,
    );
    processes.push(wrong);
    const burnt = await host.next('code', () => true, 20_000);
    expect(burnt).toMatchObject({ reason: 'burnt' });
    expect(burnt.message).toMatch(/^Someone tried a wrong code/);
    expect(burnt.code).not.toBe(listening.code);
    expect(await wrong.exit()).toBe(1);
    expect(wrong.stderr()).toMatch(/cryptully: The host did not accept the code/);
    expect(wrong.stderr()).not.toMatch(/\n\s+at /);
    expect(host.events.some((e) => e.event === 'request')).toBe(false);

    // The new code works, and both keys are verified by it.
    const joiner = startJson(['join', burnt.code, '--json', '--name', 'Bob'], await home(), env);
    processes.push(joiner);
    const request = await host.next('request', () => true, 20_000);
    expect(request).toMatchObject({ name: 'Bob', invited: true });
    host.send({ cmd: 'accept', peer: request.peer });
    const [hostSide, joinSide] = await Promise.all([
      host.next('connected'),
      joiner.next('connected'),
    ]);
    expect(hostSide).toMatchObject({ verifiedBy: 'code', verification: 'join-code' });
    expect(joinSide).toMatchObject({ name: 'Alice', verifiedBy: 'code', verified: true });
    expect((await host.next('code', (e) => e.code !== burnt.code)).reason).toBe('used');

    joiner.send({ cmd: 'quit' });
    expect(await joiner.exit()).toBe(0);
    host.child.stdin.end();
    expect(await host.exit()).toBe(0);
  });
});
