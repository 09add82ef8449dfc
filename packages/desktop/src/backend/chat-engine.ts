import type { ChatNodeApi } from '@cryptully/core/protocol';
import type { DhtSettings } from '@cryptully/core/transport';

/**
 * What the back end needs from core's `ChatNode`: all of {@link ChatNodeApi}, and `setDht` and
 * `setPortMapping` to apply changed reach settings to the next host and join (core's
 * `ChatNode.setDht` and `ChatNode.setPortMapping`).
 */
export type ChatEngine = ChatNodeApi & {
  setDht?(dht: DhtSettings | undefined): void;
  setPortMapping?(on: boolean): void;
};

/** Options the back end passes when it opens a chat node. */
export interface OpenEngineOptions {
  home: string;
  name?: string;
  passphrase?: string;
  /** The DHT (hole punching) settings; absent: TCP only. */
  dht?: DhtSettings;
  /** Ask the router to forward the host's port (UPnP, NAT-PMP). */
  portMapping?: boolean;
  /** The engine's diagnostics for people (e.g. "listening on the DHT as …"; never secrets). */
  log?: (line: string) => void;
}

/** Opens a chat node; rejects with a coded error (e.g. a wrong passphrase). */
export type OpenEngine = (options: OpenEngineOptions) => Promise<ChatEngine>;
