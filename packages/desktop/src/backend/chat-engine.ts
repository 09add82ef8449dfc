import type { ChatNodeApi } from '@cryptully/core/protocol';
import type { DhtSettings } from '@cryptully/core/transport';

/** What the back end needs from core's `ChatNode`: all of {@link ChatNodeApi}. */
export type ChatEngine = ChatNodeApi;

/** Options the back end passes when it opens a chat node. */
export interface OpenEngineOptions {
  home: string;
  name?: string;
  passphrase?: string;
  /** The DHT (hole punching) settings; absent: TCP only. */
  dht?: DhtSettings;
  /** Ask the router to forward the host's port (UPnP, NAT-PMP). */
  portMapping?: boolean;
}

/** Opens a chat node; rejects with a coded error (e.g. a wrong passphrase). */
export type OpenEngine = (options: OpenEngineOptions) => Promise<ChatEngine>;
