// Real `cryptully` processes behind real NAT routers (nftables in network namespaces, lab/lab.sh)
// meeting through the lab's own DHT: two port-preserving ("cone") routers are hole-punched, and so
// is one that picks a new port per destination ("random") facing a cone; two random routers
// cannot be punched and the joiner is told so in one sentence, but meet through `cryptully relay`
// on the wan (which knows it is reachable; one behind a router warns, and a relay that is not
// running is named as what failed); a stranger holding a used invite is
// refused at the host's DHT firewall before any handshake, while a known friend comes back by
// name with no new invite; 5% packet loss both ways loses no
// message. Each router drops whatever comes unsolicited from the wan side, as home routers do, so
// nothing gets through but punched holes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type JsonProcess, waitFor } from './support/binaries.js';
import { type NatKind, NatLab, natLabProblem, onTheDht } from './support/nat-lab.js';

const problem = natLabProblem();
if (problem) console.warn(`NAT LAB: SKIPPED: ${problem}`);

/** Alice hosts on `a`; resolves once she is announced on the DHT. */
async function startHost(lab: NatLab) {
  const { process: alice } = await lab.cryptully('a', [
    'host',
    '--json',
    '--port',
    '0',
    '--name',
    'Alice',
  ]);
  const listening = await alice.next('listening', undefined, 20_000);
  await onTheDht(alice);
  return { alice, listening };
}

/** Alice hosts on `a`, Bob joins from `b` with her invite; resolves once both are connected. */
async function hostAndJoin(lab: NatLab) {
  const { alice, listening } = await startHost(lab);
  const { process: bob, home: bobHome } = await lab.cryptully('b', [
    'join',
    listening.invite,
    '--json',
    '--name',
    'Bob',
  ]);
  await bob.next('connecting', undefined, 20_000);
  const started = Date.now();
  // Above the join's own 45 s on the DHT: a join that fails shows its reason, not a timeout.
  const request = await alice.next('request', undefined, 60_000).catch((error: Error) => {
    throw new Error(`${error.message}\nBob: ${JSON.stringify(bob.events)} ${bob.stderr()}`);
  });
  const joinMs = Date.now() - started;
  alice.send({ cmd: 'accept', peer: request.peer });
  const [atAlice, atBob] = await Promise.all([
    alice.next('connected', undefined, 20_000),
    bob.next('connected', undefined, 20_000),
  ]);
  return { alice, bob, bobHome, listening, atAlice, atBob, joinMs };
}

/**
 * Alice hosts on `a` and Bob's join from `b` (with `extra` arguments) fails: resolves with his
 * `disconnected` event once both have ended, having checked that Alice never saw a request and
 * that Bob exits non-zero.
 */
async function joinThatFails(lab: NatLab, extra: string[] = []) {
  const { alice, listening } = await startHost(lab);
  const { process: bob } = await lab.cryptully('b', [
    'join',
    listening.invite,
    '--json',
    '--name',
    'Bob',
    ...extra,
  ]);
  const failed = await bob.next('disconnected', undefined, 60_000);
  expect(alice.events.some((e) => e.event === 'request')).toBe(false);
  expect(await bob.exit()).not.toBe(0);
  alice.send({ cmd: 'quit' });
  await alice.exit();
  return failed;
}

/** Starts `cryptully relay --json` on `where`; resolves with its first event (`relaying`). */
async function startRelay(lab: NatLab, where: 'a' | 'b' | 'wan') {
  const { process: relay } = await lab.cryptully(where, ['relay', '--json']);
  const printed = await waitFor(
    () => relay.lines[0],
    20_000,
    () => `the relay printed nothing: ${relay.stderr()}`,
  );
  return { process: relay, event: JSON.parse(printed) as Record<string, unknown> };
}

/** Alice hosts on `a` over TCP only (no DHT), asking router A to forward her port. */
async function startMappedHost(lab: NatLab, env: NodeJS.ProcessEnv = {}) {
  const { process: alice } = await lab.cryptully(
    'a',
    ['host', '--json', '--port', '0', '--no-dht', '--name', 'Alice'],
    undefined,
    { CRYPTULLY_NO_PORT_MAPPING: '', ...env },
  );
  const listening = await alice.next('listening', undefined, 30_000);
  return { alice, listening };
}

/** Lab tests for one pair of routers (built once for the tests that share it). */
function withLab(natA: NatKind, natB: NatKind, loss: number, body: (lab: () => NatLab) => void) {
  describe.skipIf(problem)(
    `behind ${natA} and ${natB} NATs${loss ? `, ${loss}% loss` : ''}`,
    () => {
      let lab: NatLab | undefined;
      beforeAll(async () => {
        lab = await NatLab.up(natA, natB, loss);
      }, 60_000);
      afterAll(async () => {
        await lab?.down();
      }, 60_000);
      body(() => lab!);
    },
  );
}

withLab('cone', 'cone', 0, (lab) => {
  let used: string | undefined;
  let host: JsonProcess | undefined;
  let bobsHome: string | undefined;

  it('punches a hole through both routers: connected says holepunch, from the routers’ public addresses', async () => {
    const { alice, bob, bobHome, listening, atAlice, atBob, joinMs } = await hostAndJoin(lab());
    used = listening.invite;
    host = alice;
    bobsHome = bobHome;
    console.log(
      `NAT LAB cone–cone: the host saw the hole-punched join ${joinMs} ms after "connecting"`,
    );
    expect(atBob).toMatchObject({ name: 'Alice', path: 'holepunch' });
    expect(atBob.remoteAddress).toMatch(
      new RegExp(`^${lab().publicAddress('a').replaceAll('.', '\\.')}:\\d+$`),
    );
    expect(atAlice).toMatchObject({ name: 'Bob', path: 'holepunch' });
    expect(atAlice.remoteAddress).toMatch(
      new RegExp(`^${lab().publicAddress('b').replaceAll('.', '\\.')}:\\d+$`),
    );
    bob.send({ cmd: 'send', text: 'through two routers' });
    expect((await alice.next('message')).text).toBe('through two routers');
    alice.send({ cmd: 'send', text: 'and back' });
    expect((await bob.next('message')).text).toBe('and back');
    bob.send({ cmd: 'quit' });
    expect(await bob.exit()).toBe(0);
    // Alice keeps hosting for the next test.
    await alice.next('disconnected', undefined, 20_000);
  }, 90_000);

  it('refuses a stranger holding the used invite at the DHT firewall, before any handshake', async () => {
    expect(used).toBeDefined();
    const { process: mallory } = await lab().cryptully('b', [
      'join',
      used!,
      '--json',
      '--name',
      'Mallory',
    ]);
    const refused = await mallory.next('disconnected', undefined, 40_000);
    expect(refused.reason).toBe('unreachable');
    expect(await mallory.exit()).not.toBe(0);
    // Refused by the DHT firewall (the used invite's key is no longer admitted): no handshake of
    // ours ran, so Alice was never asked.
    expect(host!.stderr()).toContain(
      'refused a DHT connection: its key belongs to no open invite and no known peer',
    );
    expect(host!.stderr()).not.toMatch(/handshake from|refused (?!a DHT connection)/);
    expect(host!.events.filter((e) => e.event === 'request')).toHaveLength(1);
  }, 60_000);

  it('lets Bob come back by name through both routers, with no new invite', async () => {
    expect(bobsHome).toBeDefined();
    // Bob's only way back is the DHT key he pinned from the used invite, dialled with the key
    // pair only a known peer of Alice can derive: her firewall admits it, a hole is punched.
    const { process: bob } = await lab().cryptully(
      'b',
      ['join', 'Alice', '--json', '--name', 'Bob'],
      bobsHome,
    );
    const request = await host!
      .next('request', (e) => e.known, 40_000)
      .catch((error: Error) => {
        throw new Error(`${error.message}\nBob: ${JSON.stringify(bob.events)} ${bob.stderr()}`);
      });
    expect(request.name).toBe('Bob');
    host!.send({ cmd: 'accept', peer: request.peer });
    const atBob = await bob.next('connected', undefined, 20_000);
    expect(atBob).toMatchObject({ name: 'Alice', path: 'holepunch' });
    bob.send({ cmd: 'send', text: 'back without an invite' });
    expect((await host!.next('message', (e) => e.text === 'back without an invite')).peer).toBe(
      request.peer,
    );
    bob.send({ cmd: 'quit' });
    expect(await bob.exit()).toBe(0);
  }, 90_000);
});

withLab('random', 'cone', 0, (lab) => {
  it('punches a random-port router facing a cone one', async () => {
    const { alice, bob, atAlice, atBob, joinMs } = await hostAndJoin(lab());
    console.log(
      `NAT LAB random–cone: the host saw the hole-punched join ${joinMs} ms after "connecting"`,
    );
    expect(atBob).toMatchObject({ path: 'holepunch' });
    expect(atAlice).toMatchObject({ path: 'holepunch' });
    bob.send({ cmd: 'send', text: 'birthday paradox' });
    expect((await alice.next('message')).text).toBe('birthday paradox');
  }, 90_000);
});

withLab('random', 'random', 0, (lab) => {
  it('cannot punch two random-port routers: the joiner is told why and what would help, in one sentence', async () => {
    const failed = await joinThatFails(lab());
    expect(failed.reason).toBe('unreachable');
    console.log(`NAT LAB random–random: "${failed.message}"`);
    // One sentence: why (both routers pick random ports) and what would help (a relay).
    expect(failed.message.match(/[.!?](\s|$)/g)).toHaveLength(1);
    expect(failed.message).toMatch(/relay/);
  }, 90_000);

  it('connects them through `cryptully relay` on the internet: path relay, "relayed through" the relay', async () => {
    const { event: relaying } = await startRelay(lab(), 'wan');
    // On the wan, with a public address: the relay knows the internet reaches it directly, so
    // peers connect straight to it and no hole has to be punched into the relay itself.
    expect(relaying).toEqual({
      event: 'relaying',
      key: expect.any(String),
      reachable: true,
      address: expect.stringMatching(/^11\.0\.0\.\d+:\d+$/),
    });
    const { key } = relaying as { key: string };
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const { process: alice } = await lab().cryptully('a', [
      'host',
      '--json',
      '--port',
      '0',
      '--name',
      'Alice',
      '--relay',
      key,
    ]);
    const listening = await alice.next('listening', undefined, 20_000);
    await onTheDht(alice);
    // Bob in --plain: the line people read says how the chat runs.
    const { process: bob } = await lab().cryptully('b', [
      'join',
      listening.invite,
      '--plain',
      '--name',
      'Bob',
      '--relay',
      key,
    ]);
    const request = await alice.next('request', undefined, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nBob: ${bob.lines.join('\n')} ${bob.stderr()}`);
    });
    alice.send({ cmd: 'accept', peer: request.peer });
    const atAlice = await alice.next('connected', undefined, 20_000);
    expect(atAlice).toMatchObject({ name: 'Bob', path: 'relay' });
    // The relay is on the wan (11.0.0.0/16): that is whom Bob's line names.
    const line = await waitFor(
      () => bob.lines.find((text) => text.includes('relayed through')),
      20_000,
      () => `Bob's screen never said "relayed through": ${bob.lines.join('\n')}`,
    );
    console.log(`NAT LAB random–random with a relay: Bob's screen says "${line.trim()}"`);
    expect(line).toMatch(/relayed through 11\.0\.0\.\d+:\d+/);
    bob.send('over the relay');
    expect((await alice.next('message', undefined, 20_000)).text).toBe('over the relay');
    alice.send({ cmd: 'send', text: 'and back' });
    await waitFor(
      () => (bob.lines.some((line) => line.includes('and back')) ? true : undefined),
      20_000,
      () => `Bob never saw the reply: ${bob.lines.join('\n')}`,
    );
  }, 120_000);

  it('a relay behind a home router warns that friends may not reach it', async () => {
    const { process: json, event } = await startRelay(lab(), 'b');
    expect(event).toMatchObject({ event: 'relaying', reachable: false });
    json.child.kill();
    await json.exit();
    const { process: plain } = await lab().cryptully('b', ['relay']);
    const text = await waitFor(
      () =>
        plain.lines.some((line) => line.includes('Ctrl+C')) ? plain.lines.join(' ') : undefined,
      20_000,
      () => `the relay printed: ${plain.lines.join('\n')} ${plain.stderr()}`,
    );
    expect(text).toMatch(/--relay [0-9a-f]{64}/);
    expect(text).toMatch(/the internet does not seem to reach this computer directly/);
    plain.child.kill();
    await plain.exit();
  }, 60_000);

  it('a relay with a public address behind a firewall that drops what it did not ask for is not called reachable', async () => {
    lab().wanFirewall(true);
    try {
      const { process: relay, event } = await startRelay(lab(), 'wan');
      // Its address is its own, but the DHT's ping-back never reached it: HyperDHT's own
      // judgement (firewalled, so peers punch into it) stands.
      expect(event).toMatchObject({ event: 'relaying', reachable: false });
      relay.child.kill();
      await relay.exit();
    } finally {
      lab().wanFirewall(false);
    }
  }, 60_000);

  it('a relay that is not running: the joiner is told that the relay failed, not to use one', async () => {
    const failed = await joinThatFails(lab(), ['--relay', '42'.repeat(32)]);
    console.log(`NAT LAB random–random, no relay running: "${failed.message}"`);
    expect(failed.message).toMatch(/relay did not connect us/);
    expect(failed.message).not.toMatch(/--relay/);
  }, 90_000);
});

withLab('cone', 'cone', 5, (lab) => {
  it('loses nothing with 5% of packets dropped both ways', async () => {
    const { alice, bob } = await hostAndJoin(lab());
    const count = 100;
    const texts = Array.from({ length: count }, (_, i) => `message ${i} ${'x'.repeat(200)}`);
    for (const text of texts) bob.send({ cmd: 'send', text });
    for (const text of texts) alice.send({ cmd: 'send', text: `re: ${text}` });
    const received = (p: typeof alice) =>
      p.events.flatMap((e) => (e.event === 'message' ? [e.text] : []));
    await waitFor(
      () => (received(alice).length >= count && received(bob).length >= count ? true : undefined),
      60_000,
      () => `Alice got ${received(alice).length}, Bob ${received(bob).length} of ${count}`,
    );
    expect(received(alice)).toEqual(texts);
    expect(received(bob)).toEqual(texts.map((text) => `re: ${text}`));
  }, 120_000);
});

withLab('cone', 'cone', 0, (lab) => {
  it('maps the host port on a real UPnP router (miniupnpd): listening.mapped, a friend gets in, the mapping goes on quit', async () => {
    await lab().startUpnp();
    const { alice, listening } = await startMappedHost(lab());
    console.log(`NAT LAB UPnP: listening.mapped = ${listening.mapped}`);
    expect(listening.mapped).toBe(`${lab().publicAddress('a')}:${listening.port}`);
    expect(lab().upnpList()).toMatch(
      new RegExp(`TCP\\s+${listening.port}->192\\.168\\.1\\.2:${listening.port}`),
    );
    // Bob has no DHT (the host has none either): only the mapped port lets him in.
    const { process: bob } = await lab().cryptully('b', [
      'join',
      listening.invite,
      '--json',
      '--no-dht',
      '--name',
      'Bob',
    ]);
    // Above the join's own 45 s on the DHT: a join that fails shows its reason, not a timeout.
    const request = await alice.next('request', undefined, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}\nBob: ${JSON.stringify(bob.events)} ${bob.stderr()}`);
    });
    alice.send({ cmd: 'accept', peer: request.peer });
    const [atAlice, atBob] = await Promise.all([
      alice.next('connected', undefined, 20_000),
      bob.next('connected', undefined, 20_000),
    ]);
    expect(atAlice).toMatchObject({ name: 'Bob', path: 'mapped' });
    expect(atBob.remoteAddress).toBe(`${lab().publicAddress('a')}:${listening.port}`);
    bob.send({ cmd: 'send', text: 'through the forwarded port' });
    expect((await alice.next('message')).text).toBe('through the forwarded port');
    alice.send({ cmd: 'quit' });
    expect(await alice.exit()).toBe(0);
    expect(lab().upnpList()).not.toMatch(new RegExp(`TCP\\s+${listening.port}->`));
  }, 120_000);
});

withLab('cone', 'cone', 0, (lab) => {
  it('maps the host port over NAT-PMP where the router speaks no UPnP, and removes it on quit', async () => {
    await lab().startUpnp('natpmp');
    const { alice, listening } = await startMappedHost(lab());
    expect(listening.mapped).toBe(`${lab().publicAddress('a')}:${listening.port}`);
    expect(lab().forwardedPorts()).toContain(
      `dport ${listening.port} dnat ip to 192.168.1.2:${listening.port}`,
    );
    alice.send({ cmd: 'quit' });
    expect(await alice.exit()).toBe(0);
    expect(lab().forwardedPorts()).not.toContain(`dport ${listening.port} `);
  }, 120_000);

  it('renews a short lease before it ends (the mapping outlives several leases), removes it on quit, and a host that dies unrenewed loses it', async () => {
    const leaseMs = 4000;
    const rule = (port: number) => `dport ${port} dnat ip to 192.168.1.2:${port}`;
    const renewals = (p: JsonProcess) =>
      p.stderr().split("renewed the router's forwarding").length - 1;
    const { alice, listening } = await startMappedHost(lab(), {
      CRYPTULLY_PORT_MAPPING_LEASE_MS: String(leaseMs),
    });
    expect(listening.mapped).toBe(`${lab().publicAddress('a')}:${listening.port}`);
    // Three leases later the router still forwards the port: it was asked again in time.
    const started = Date.now();
    await waitFor(
      () => (renewals(alice) >= 5 && Date.now() - started > 3 * leaseMs ? true : undefined),
      60_000,
      () => `Alice renewed ${renewals(alice)} times: ${alice.stderr()}`,
    );
    console.log(
      `NAT LAB NAT-PMP lease ${leaseMs} ms: ${renewals(alice)} renewals in ${Date.now() - started} ms, mapping kept`,
    );
    expect(lab().forwardedPorts()).toContain(rule(listening.port));
    alice.send({ cmd: 'quit' });
    expect(await alice.exit()).toBe(0);
    expect(lab().forwardedPorts()).not.toContain(`dport ${listening.port} `);

    // The control: a host killed outright renews nothing, and the router drops its mapping once
    // the short lease ends (so the kept mapping above is the renewals' doing).
    const { alice: doomed, listening: second } = await startMappedHost(lab(), {
      CRYPTULLY_PORT_MAPPING_LEASE_MS: String(leaseMs),
    });
    expect(lab().forwardedPorts()).toContain(rule(second.port));
    doomed.child.kill('SIGKILL');
    await doomed.exit();
    const killed = Date.now();
    await waitFor(
      () => (lab().forwardedPorts().includes(rule(second.port)) ? undefined : true),
      30_000,
      () => `the router still forwards ${second.port} ${Date.now() - killed} ms after the kill`,
    );
    console.log(
      `NAT LAB NAT-PMP: an unrenewed mapping lapsed ${Date.now() - killed} ms after the kill`,
    );
  }, 120_000);
});
