import { type ChatEvent, type ErrorCode, errorCodeOf } from '@cryptully/core/protocol';
import type { DhtSettings } from '@cryptully/core/transport';
import type {
  AppCommand,
  AppErrorEvent,
  AppEvent,
  AppPhase,
  SettingsCommand,
  SettingsEvent,
} from '../bridge/app-protocol.js';
import { isUploadCommand } from '../bridge/parse-app-command.js';
import type { ChatEngine, OpenEngine } from './chat-engine.js';
import { hasProfile } from './home.js';
import {
  loadReachSettings,
  type ReachSettings,
  reachDht,
  saveReachSettings,
} from './reach-settings.js';

/** Events kept for replay to a client that (re)connects; older ones are dropped. */
export const MAX_REPLAYED_EVENTS = 5000;

/** Events that only matter the moment they happen, so a reconnecting front end skips them. */
const NOT_REPLAYED: ReadonlySet<ChatEvent['event']> = new Set(['typing', 'error']);

/** Error codes from core that mean "this identity needs (another) passphrase". */
const LOCKED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_IDENTITY_PASSPHRASE_REQUIRED',
  'ERR_IDENTITY_WRONG_PASSPHRASE',
]);

/** Options of {@link DesktopBackend.start}. */
export interface BackendOptions {
  /** Cryptully's data folder. */
  home: string;
  /** Opens the chat node (core's `ChatNode.open` in the app). */
  openEngine: OpenEngine;
  /** The passphrase to try at start (e.g. `CRYPTULLY_PASSPHRASE`). */
  passphrase?: string;
  /**
   * Where "Start a chat" listens when the command names no port or address (the UI never
   * does): `--host-port` / `--host-bind`. Default: the engine's (its standard port, every
   * interface).
   */
  hostDefaults?: { port?: number; bind?: string };
  /**
   * The DHT settings (`--no-dht`, `--bootstrap`, `--relay` and their variables, read by core's
   * `dhtSettings`); absent: TCP only. Settings saved in the app (`desktop-settings.json`) take
   * their place; their empty relay and bootstrap fields fall back to these.
   */
  dht?: DhtSettings;
  /**
   * Ask the router to forward the host's port (UPnP, NAT-PMP); default off. A value saved in the
   * app (`desktop-settings.json`) takes its place.
   */
  portMapping?: boolean;
  /** Diagnostics for people (never secrets). */
  log?: (line: string) => void;
}

/** The settings the app shows before any were saved: its command line's. */
function startupSettings(dht: DhtSettings | undefined, portMapping: boolean): ReachSettings {
  return {
    dht: dht !== undefined,
    relay: dht?.relayThrough ? Buffer.from(dht.relayThrough).toString('hex') : '',
    bootstrap: (dht?.bootstrap ?? [])
      .map(({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`))
      .join(','),
    portMapping,
  };
}

function codeOf(error: unknown): ErrorCode {
  return errorCodeOf(error) ?? 'ERR_INTERNAL';
}

function messageOf(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'Something went wrong.';
}

/**
 * The session back end shared by the Electron main process and the browser mode: owns the
 * chat node, turns front-end commands into `dispatch`, fans events out to every connected
 * front end (replaying the history to late joiners, so a reload shows the same screen), and
 * handles first run (`setup`) and unlocking (`unlock`) before the node exists.
 */
export class DesktopBackend {
  readonly #options: BackendOptions;
  readonly #listeners = new Set<(event: AppEvent) => void>();
  readonly #history: ChatEvent[] = [];
  #engine: ChatEngine | undefined;
  #phase: AppPhase = 'setup';
  #opening: Promise<void> | undefined;
  /** Why the node could not be opened (shown to front ends that connect later). */
  #openError: AppEvent | undefined;
  #closed = false;
  /** The reach settings shown in the app (saved, or the command line's). */
  #settings: ReachSettings;
  /** The DHT options they lead to (what the chat node uses). */
  #dht: DhtSettings | undefined;

  private constructor(options: BackendOptions) {
    this.#options = options;
    const portMapping = options.portMapping === true;
    const saved = loadReachSettings(options.home, (line) => options.log?.(line), portMapping);
    this.#settings = saved ?? startupSettings(options.dht, portMapping);
    this.#dht = saved ? reachDht(saved, options.dht) : options.dht;
  }

  /**
   * Starts the back end: `setup` on first run, otherwise opens the node (`ready`) or waits
   * for a passphrase (`locked`).
   */
  static async start(options: BackendOptions): Promise<DesktopBackend> {
    const backend = new DesktopBackend(options);
    if (hasProfile(options.home)) {
      backend.#phase = 'locked';
      await backend.#open({ passphrase: options.passphrase }, true);
    }
    return backend;
  }

  /** Where the app is: `setup`, `locked` or `ready`. */
  get phase(): AppPhase {
    return this.#phase;
  }

  /**
   * Subscribes a front end: it first receives the app state and the chat history, then every
   * new event. Returns the unsubscribe function.
   */
  subscribe(listener: (event: AppEvent) => void): () => void {
    listener(this.#stateEvent());
    listener(this.#settingsEvent());
    if (this.#openError && this.#phase !== 'ready') listener(this.#openError);
    for (const event of this.#history) listener(event);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs one validated command. Never throws: failures become `error` events. */
  async handle(command: AppCommand): Promise<void> {
    if (this.#closed) return;
    try {
      if (command.cmd === 'setup') {
        if (this.#phase !== 'setup')
          return this.#error('ERR_ALREADY_SET_UP', 'You already chose a name.');
        await this.#open({ name: command.name, passphrase: command.passphrase }, false);
        return;
      }
      if (command.cmd === 'unlock') {
        if (this.#phase !== 'locked') return;
        await this.#open({ passphrase: command.passphrase }, false);
        return;
      }
      if (isUploadCommand(command)) {
        // The browser mode's web server takes these; the Electron app sends files by path.
        return this.#error('ERR_BAD_COMMAND', 'Uploads are only taken by the browser mode.');
      }
      if (command.cmd === 'settings') {
        await this.#saveSettings(command);
        return;
      }
      if (!this.#engine) {
        return this.#error('ERR_NOT_READY', 'Choose a name (or unlock) before chatting.');
      }
      if (command.cmd === 'host') {
        const defaults = this.#options.hostDefaults ?? {};
        const port = command.port ?? defaults.port;
        const bind = command.bind ?? defaults.bind;
        await this.#engine.dispatch({
          cmd: 'host',
          ...(port !== undefined ? { port } : {}),
          ...(bind !== undefined ? { bind } : {}),
        });
        return;
      }
      await this.#engine.dispatch(command);
    } catch (error) {
      this.#error(codeOf(error), messageOf(error));
    }
  }

  /** Closes the chat node (goodbye to every peer) and drops every subscriber. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#opening?.catch(() => {});
    const engine = this.#engine;
    this.#engine = undefined;
    this.#listeners.clear();
    await engine?.close();
  }

  async #open(credentials: { name?: string; passphrase?: string }, quiet: boolean): Promise<void> {
    if (this.#opening) return this.#opening;
    this.#opening = (async () => {
      try {
        const engine = await this.#options.openEngine({
          home: this.#options.home,
          ...(credentials.name !== undefined ? { name: credentials.name } : {}),
          ...(credentials.passphrase !== undefined ? { passphrase: credentials.passphrase } : {}),
          ...(this.#dht ? { dht: this.#dht } : {}),
          ...(this.#settings.portMapping ? { portMapping: true } : {}),
          ...(this.#options.log ? { log: this.#options.log } : {}),
        });
        if (this.#closed) {
          await engine.close();
          return;
        }
        this.#engine = engine;
        engine.on((event) => this.#emitChat(event));
        this.#phase = 'ready';
        this.#broadcast(this.#stateEvent());
        await engine.dispatch({ cmd: 'peers' });
      } catch (error) {
        const code = codeOf(error);
        this.#options.log?.(`could not open the chat node: ${code}`);
        // A wrong passphrase keeps the app locked; anything else (a damaged file) is also
        // shown, now and to front ends that connect later.
        const event: AppEvent = { event: 'error', code, message: messageOf(error) };
        this.#openError = LOCKED_CODES.has(code) && quiet ? undefined : event;
        if (!quiet || !LOCKED_CODES.has(code)) this.#broadcast(event);
      } finally {
        this.#opening = undefined;
      }
    })();
    return this.#opening;
  }

  /** Validates, saves and applies new reach settings (to the next host and join). */
  async #saveSettings(command: SettingsCommand): Promise<void> {
    const settings: ReachSettings = {
      dht: command.dht,
      relay: command.relay,
      bootstrap: command.bootstrap,
      // A front end that does not send it (older drivers) leaves it as it was.
      portMapping: command.portMapping ?? this.#settings.portMapping,
    };
    // Throws ERR_BAD_RELAY / ERR_BAD_BOOTSTRAP in one sentence: nothing is saved then.
    const dht = reachDht(settings, this.#options.dht);
    await saveReachSettings(this.#options.home, settings);
    this.#settings = settings;
    this.#dht = dht;
    this.#engine?.setDht?.(dht);
    this.#engine?.setPortMapping?.(settings.portMapping);
    this.#options.log?.(
      `network settings saved: DHT ${dht ? 'on' : 'off'}${dht?.relayThrough ? ', with a relay' : ''}, port mapping ${settings.portMapping ? 'on' : 'off'}`,
    );
    this.#broadcast(this.#settingsEvent());
  }

  #settingsEvent(): SettingsEvent {
    return { event: 'settings', ...this.#settings };
  }

  #stateEvent(): AppEvent {
    const engine = this.#engine;
    return engine
      ? {
          event: 'app-state',
          state: this.#phase,
          name: engine.name,
          fingerprint: engine.fingerprint,
        }
      : { event: 'app-state', state: this.#phase };
  }

  #emitChat(event: ChatEvent): void {
    // Replayed on reconnect: what builds the screen, not passing hints or old error toasts.
    if (!NOT_REPLAYED.has(event.event)) {
      this.#history.push(event);
      if (this.#history.length > MAX_REPLAYED_EVENTS) this.#history.shift();
    }
    this.#broadcast(event);
  }

  #error(code: AppErrorEvent['code'], message: string): void {
    this.#broadcast({ event: 'error', code, message });
  }

  #broadcast(event: AppEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#options.log?.(`a front end failed on an event: ${messageOf(error)}`);
      }
    }
  }
}
