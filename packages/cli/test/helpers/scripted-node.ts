import type { ChatCommand, ChatEvent, ChatNodeApi } from '@cryptully/core/protocol';

/** A chat node whose events the test chooses and whose received commands it records. */
export class ScriptedNode implements ChatNodeApi {
  readonly fingerprint = '12345 67890';
  readonly peerId = 'a11ce0a11ce0a11c';
  readonly name = 'Alice';
  readonly commands: ChatCommand[] = [];
  closed = false;
  private readonly listeners = new Set<(event: ChatEvent) => void>();

  on(listener: (event: ChatEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(...events: ChatEvent[]): void {
    for (const event of events) for (const listener of this.listeners) listener(event);
  }

  async dispatch(command: ChatCommand): Promise<void> {
    this.commands.push(command);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Events of a typical chat, for tests. */
export const BOB = 'b0b0b0b0b0b0b0b0';
export const CAROL = 'ca401ca401ca401c';
export const AT = Date.UTC(2026, 10, 26, 12, 3);

export const requestFromBob: ChatEvent = {
  event: 'request',
  peer: BOB,
  name: 'Bob',
  fingerprint: '11111 22222 33333',
  code: '482 913',
  known: false,
  invited: false,
  keyChanged: false,
};

export const bobConnected: ChatEvent = {
  event: 'connected',
  peer: BOB,
  name: 'Bob',
  fingerprint: '11111 22222 33333',
  code: '482 913',
  verified: false,
  verification: 'unverified',
};

export const listening: ChatEvent = {
  event: 'listening',
  host: '127.0.0.1',
  port: 4000,
  invite: 'cryptully://join/AAAA',
  addresses: ['127.0.0.1:4000'],
};
