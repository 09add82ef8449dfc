// Test helpers: chat nodes in temporary home folders, and waiting for their events.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatNode, type ChatNodeOptions } from '../../src/engine/index.js';
import type { ChatEvent } from '../../src/protocol/events.js';

/** A node under test with everything it emitted and logged. */
export interface TestNode {
  node: ChatNode;
  events: ChatEvent[];
  logs: string[];
  home: string;
  /** Resolves with the first event (from `from` on) that matches; rejects after `ms`. */
  next<E extends ChatEvent['event']>(
    event: E,
    match?: (e: Extract<ChatEvent, { event: E }>) => boolean,
    ms?: number,
  ): Promise<Extract<ChatEvent, { event: E }>>;
  of<E extends ChatEvent['event']>(event: E): Array<Extract<ChatEvent, { event: E }>>;
}

const homes: string[] = [];
const nodes: ChatNode[] = [];

export async function openNode(
  name: string,
  options: Partial<ChatNodeOptions> = {},
  home?: string,
): Promise<TestNode> {
  const folder = home ?? (await mkdtemp(join(tmpdir(), 'cryptully-engine-')));
  if (!home) homes.push(folder);
  const logs: string[] = [];
  const node = await ChatNode.open({
    home: folder,
    name,
    passphrase: undefined,
    clientName: 'engine-test',
    clientVersion: '0.0.0',
    handshakeTimeoutMs: 2000,
    dialTimeoutMs: 2000,
    log: (line) => logs.push(line),
    ...options,
  });
  nodes.push(node);
  const events: ChatEvent[] = [];
  const waiters: Array<() => void> = [];
  node.on((event) => {
    events.push(event);
    for (const w of [...waiters]) w();
  });
  const test: TestNode = {
    node,
    events,
    logs,
    home: folder,
    of: (event) => events.filter((e) => e.event === event) as never,
    next(event, match = () => true, ms = 8000) {
      return new Promise((resolve, reject) => {
        const find = () => events.find((e) => e.event === event && match(e as never)) as never;
        const found = find();
        if (found) return resolve(found);
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(
            new Error(
              `${name}: no "${event}" event in ${ms} ms; got ${JSON.stringify(events)}; log ${JSON.stringify(logs)}`,
            ),
          );
        }, ms);
        const check = () => {
          const hit = find();
          if (!hit) return;
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          resolve(hit);
        };
        waiters.push(check);
      });
    },
  };
  return test;
}

/** Closes every node and removes every temporary home. */
export async function cleanup(): Promise<void> {
  await Promise.allSettled(nodes.splice(0).map((n) => n.close()));
  await Promise.allSettled(homes.splice(0).map((h) => rm(h, { recursive: true, force: true })));
}

/** Hosts on loopback and returns the invite and port. */
export async function host(t: TestNode): Promise<{ invite: string; port: number }> {
  await t.node.dispatch({ cmd: 'host', port: 0, bind: '127.0.0.1' });
  const listening = await t.next('listening');
  return { invite: listening.invite, port: listening.port };
}

/** Host and joiner connected by invite, both sides `connected`. */
export async function connectPair(hostNode: TestNode, joiner: TestNode) {
  const { invite, port } = await host(hostNode);
  await joiner.node.dispatch({ cmd: 'join', target: invite });
  const request = await hostNode.next('request');
  await hostNode.node.dispatch({ cmd: 'accept', peer: request.peer });
  const joined = await joiner.next('connected');
  const accepted = await hostNode.next('connected');
  return { invite, port, request, hostSide: accepted, joinerSide: joined };
}

/**
 * Alice hosts, Bob joins with her invite, then Alice's node closes: the starting point of
 * every "the host comes back (maybe with another key)" test. Bob has seen the disconnect.
 */
export async function pairWhoseHostLeft(options: Partial<ChatNodeOptions> = {}) {
  const alice = await openNode('Alice', options);
  const bob = await openNode('Bob', options);
  await connectPair(alice, bob);
  await alice.node.close();
  await bob.next('disconnected');
  return { alice, bob };
}
