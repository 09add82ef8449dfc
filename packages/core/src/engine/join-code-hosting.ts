/**
 * A host's join codes on the network: the {@link JoinCodeDoor} (the code, one attempt at a
 * time, a new code after each use or wrong guess), the answers to LAN queries for the code's
 * topic, and the code's announcement on the DHT. docs/protocol-verification.md §1.
 * @module
 */
import { announceTopic } from '../adapters/dht-topics.js';
import type { DhtKeyPair, DhtTransport } from '../adapters/dht-transport.js';
import { answerOnLan, type LanAnswerer } from '../adapters/lan-discovery.js';
import { constantTimeEqual } from '../crypto/index.js';
import { dhtCodeSeed } from '../identity/dht-keys.js';
import { type JoinCode, joinCodeTopic } from '../identity/join-code.js';
import type { ChatEvent } from '../protocol/events.js';
import { JoinCodeDoor } from './join-code-door.js';

/** What the host says when its code changed. */
const CHANGE_MESSAGE = {
  used: (code: string) => `Your join code was used. The next one is ${code}.`,
  burnt: (code: string) =>
    `Someone tried a wrong code, so it was burnt; make a new one: your new code is ${code}.`,
} as const;

/** See the module documentation. */
export class JoinCodeHosting {
  readonly door: JoinCodeDoor;
  readonly #emit: (event: ChatEvent) => void;
  readonly #log: (line: string) => void;
  #topic: Uint8Array;
  #lan: LanAnswerer | undefined;
  #dht: { transport: DhtTransport; keyPair: DhtKeyPair } | undefined;
  /** Withdraws the current DHT announcement (resolves once the announcement was made). */
  #withdraw: Promise<(() => Promise<void>) | undefined> | undefined;
  #closed = false;

  constructor(options: { emit: (event: ChatEvent) => void; log: (line: string) => void }) {
    this.#emit = options.emit;
    this.#log = options.log;
    this.door = new JoinCodeDoor({
      log: options.log,
      onChange: (code, reason) => this.#changed(code, reason),
    });
    this.#topic = joinCodeTopic(this.door.code.number);
  }

  /** The code to show now. */
  get code(): JoinCode {
    return this.door.code;
  }

  /** Answers LAN queries for the code's topic with `tcpPort`; logs (never throws) on failure. */
  async answerOnLan(port: number, tcpPort: number): Promise<void> {
    try {
      const lan = await answerOnLan({ port, tcpPort, topic: () => this.#topic });
      if (this.#closed) await lan.close();
      else this.#lan = lan;
    } catch (error) {
      this.#log(
        `join codes cannot be found on the local network: UDP port ${port} (${(error as Error)?.message})`,
      );
    }
  }

  /** Announces the code's topic on the DHT under the host's DHT key (listening there). */
  announceOnDht(transport: DhtTransport, keyPair: DhtKeyPair): void {
    if (this.#closed) return;
    this.#dht = { transport, keyPair };
    this.#announce();
  }

  /** The DHT firewall's part: a joiner dialling with the key of the current code's number. */
  admitsOnDht(transport: DhtTransport, remotePublicKey: Uint8Array): boolean {
    const key = transport.keyPairFromSeed(dhtCodeSeed(this.door.code.number)).publicKey;
    return constantTimeEqual(key, remotePublicKey);
  }

  /** Stops answering and withdraws the DHT announcement. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#lan?.close();
    this.#lan = undefined;
    const withdraw = await this.#withdraw;
    await withdraw?.();
  }

  #announce(): void {
    const dht = this.#dht;
    if (!dht || this.#closed) return;
    const previous = this.#withdraw;
    const topic = this.#topic;
    this.#withdraw = (async () => {
      await (await previous)?.();
      try {
        const withdraw = await announceTopic(dht.transport, topic, dht.keyPair);
        this.#log(`announced the join code's number on the DHT`);
        return withdraw;
      } catch (error) {
        if (!this.#closed) {
          this.#log(`could not announce the join code on the DHT: ${(error as Error)?.message}`);
        }
        return undefined;
      }
    })();
  }

  #changed(code: JoinCode, reason: 'used' | 'burnt'): void {
    this.#topic = joinCodeTopic(code.number);
    this.#announce();
    this.#emit({
      event: 'code',
      code: code.text,
      reason,
      message: CHANGE_MESSAGE[reason](code.text),
    });
  }
}
