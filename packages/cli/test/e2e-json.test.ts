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

describe('two cryptully processes in --json mode', () => {
  it('host and join by invite, accept, chat both ways with receipts, and quit cleanly', async () => {
    const host = startJson(
      ['host', '--json', '--port', '0', '--bind', '127.0.0.1', '--name', 'Alice'],
      await home(),
    );
    processes.push(host);
    const listening = await host.next('listening');
    const joiner = startJson(['join', listening.invite, '--json', '--name', 'Bob'], await home());
    processes.push(joiner);

    const request = await host.next('request');
    expect(request).toMatchObject({ name: 'Bob', invited: true, keyChanged: false });
    host.send('this line is not JSON');
    host.send({ cmd: 'accept', peer: request.peer });
    const [hostSide, joinSide] = await Promise.all([
      host.next('connected'),
      joiner.next('connected'),
    ]);
    expect(hostSide.code).toBe(joinSide.code);
    expect(joinSide).toMatchObject({ name: 'Alice', verification: 'invite' });

    joiner.send({ cmd: 'send', text: 'hi Alice 😀' });
    const incoming = await host.next('message');
    expect(incoming.text).toBe('hi Alice 😀');
    const sent = await joiner.next('sent');
    await joiner.next('delivered', (e) => e.id === sent.id);
    host.send({ cmd: 'send', peer: request.peer, text: 'hello Bob' });
    expect((await joiner.next('message')).text).toBe('hello Bob');

    expect(await host.next('error')).toMatchObject({ code: 'ERR_BAD_COMMAND' });
    joiner.send({ cmd: 'quit' });
    expect(await joiner.exit()).toBe(0);
    expect((await host.next('disconnected')).peer).toBe(request.peer);
    host.child.stdin.end(); // the end of input quits too
    expect(await host.exit()).toBe(0);

    for (const p of [host, joiner]) {
      expect(p.lines.length).toBeGreaterThan(3);
      for (const line of p.lines) expect(() => JSON.parse(line)).not.toThrow();
      expect(p.events[0]).toMatchObject({ event: 'ready' });
    }
  });

  it('fails with exit status 1 and one sentence when the port is taken', async () => {
    const first = startJson(
      ['host', '--json', '--port', '0', '--bind', '127.0.0.1', '--name', 'A'],
      await home(),
    );
    processes.push(first);
    const { port } = await first.next('listening');
    const second = startJson(
      ['host', '--json', '--port', String(port), '--bind', '127.0.0.1', '--name', 'B'],
      await home(),
    );
    expect(await second.exit()).toBe(1);
    expect(second.events.at(-1)).toMatchObject({ event: 'error' });
    expect(second.stderr()).toMatch(/^cryptully: .*in use.*\n$/m);
    expect(second.stderr()).not.toMatch(/\n\s+at /);
    first.child.stdin.end();
    expect(await first.exit()).toBe(0);
  });

  it('runs commands piped in before hosting started, in order, then quits at the end of input', async () => {
    const host = startJson(
      ['host', '--json', '--port', '0', '--bind', '127.0.0.1', '--name', 'A'],
      await home(),
    );
    host.send({ cmd: 'invite' });
    host.send({ cmd: 'peers' });
    host.child.stdin.end();
    expect(await host.exit()).toBe(0);
    expect(host.events.map((e) => e.event)).toEqual(['ready', 'listening', 'invite', 'peers']);
  });

  it('leaves quietly when whoever reads its events goes away (closed pipe)', async () => {
    const host = startJson(
      ['host', '--json', '--port', '0', '--bind', '127.0.0.1', '--name', 'A'],
      await home(),
    );
    await host.next('listening');
    host.child.stdout.destroy();
    host.send({ cmd: 'invite' });
    expect(await host.exit()).toBe(0);
    expect(host.stderr()).not.toMatch(/EPIPE|\n\s+at /);
  });

  it('fails with exit status 1 when nobody answers at the address', async () => {
    const joiner = startJson(['join', '127.0.0.1:1', '--json', '--name', 'Bob'], await home());
    expect(await joiner.exit()).toBe(1);
    expect(joiner.stderr()).toMatch(/cryptully: Nobody is listening at 127.0.0.1:1/);
  });

  it('refuses to start without a name when there is no identity and no terminal', async () => {
    const joiner = startJson(['join', '127.0.0.1:1', '--json'], await home());
    expect(await joiner.exit()).toBe(1);
    expect(joiner.stderr()).toMatch(/cryptully: no identity yet.*--name NAME/);
    expect(joiner.lines).toEqual([]);
  });
});

describe('a --plain host and a --json joiner', () => {
  it('prints readable lines, takes /accept and text from stdin, and quits on end of input', async () => {
    const host = startJson(
      ['host', '--plain', '--port', '0', '--bind', '127.0.0.1', '--name', 'Alice'],
      await home(),
    );
    processes.push(host);
    const waitLine = async (pattern: RegExp) => {
      for (let i = 0; i < 100 && !host.lines.some((line) => pattern.test(line)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const found = host.lines.find((line) => pattern.test(line));
      if (!found) throw new Error(`no line ${pattern} in ${host.lines.join('\n')}`);
      return found;
    };
    const port = /127\.0\.0\.1:(\d+)/.exec(await waitLine(/Waiting for friends on/))![1]!;
    const invite = await waitLine(/^cryptully:\/\/join\/\S+$/);
    expect(invite).toMatch(/^cryptully:\/\/join\//);
    const joiner = startJson(
      ['join', `127.0.0.1:${port}`, '--json', '--name', 'Bob'],
      await home(),
    );
    processes.push(joiner);
    const request = await waitLine(
      /Bob wants to chat\. Code: \d{3} \d{3}\. Type \/accept or \/reject\./,
    );
    host.send('/accept');
    const connected = await joiner.next('connected');
    expect(request).toContain(`Code: ${connected.code}`);
    // How the chat runs and who sees the address: loopback counts as your network.
    expect(connected).toMatchObject({ path: 'lan', remoteAddress: `127.0.0.1:${port}` });
    await waitLine(
      /You are now chatting with Bob, on your network\. Bob sees your address on your network/,
    );
    host.send('hello from a screen reader');
    expect((await joiner.next('message')).text).toBe('hello from a screen reader');
    joiner.send({ cmd: 'send', text: 'hi!' });
    await waitLine(/^\[\d\d:\d\d\] Bob: hi!$/);
    host.child.stdin.end();
    expect(await host.exit()).toBe(0);
    await joiner.next('disconnected');
    joiner.child.stdin.end();
    expect(await joiner.exit()).toBe(0);
  });

  it('a --plain joiner whose chat ended starts another with /join (invite of a second host)', async () => {
    const startHost = async (name: string) => {
      const host = startJson(
        ['host', '--json', '--port', '0', '--bind', '127.0.0.1', '--name', name],
        await home(),
      );
      processes.push(host);
      return { host, listening: await host.next('listening') };
    };
    const first = await startHost('Alice');
    const joiner = startJson(
      ['join', first.listening.invite, '--plain', '--name', 'Bob'],
      await home(),
    );
    processes.push(joiner);
    const waitLine = async (pattern: RegExp) => {
      for (let i = 0; i < 100 && !joiner.lines.some((line) => pattern.test(line)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const found = joiner.lines.find((line) => pattern.test(line));
      if (!found) throw new Error(`no line ${pattern} in ${joiner.lines.join('\n')}`);
      return found;
    };
    const request = await first.host.next('request');
    first.host.send({ cmd: 'accept', peer: request.peer });
    await waitLine(/You are now chatting with Alice, on your network\./);
    first.host.send({ cmd: 'quit' });
    await waitLine(/Type \/join with an invite or address to chat again/);

    const second = await startHost('Carol');
    joiner.send(`/join ${second.listening.invite}`);
    const again = await second.host.next('request');
    expect(again).toMatchObject({ name: 'Bob', invited: true });
    second.host.send({ cmd: 'accept', peer: again.peer });
    await waitLine(/You are now chatting with Carol, on your network\./);
    joiner.send('hi Carol');
    expect((await second.host.next('message')).text).toBe('hi Carol');
    joiner.child.stdin.end();
    expect(await joiner.exit()).toBe(0);
    second.host.child.stdin.end();
    await second.host.exit();
  });
});
