import type { AppCommand, AppEvent } from './app-protocol.js';
import { parseAppCommand, type RevealRequest } from './parse-app-command.js';
import { parseAppEvent } from './parse-app-event.js';

/**
 * The one API the renderer gets, whether from Electron's preload (`window.cryptully`) or
 * from the browser mode's WebSocket: commands in, events out.
 */
export interface CryptullyApi {
  /** Sends a command to the back end. @throws {CommandError} if it is not a valid command. */
  send(command: AppCommand): void;
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
  /**
   * Electron only (absent in a browser, which never sees paths): the system's path of a
   * picked or dropped file, for `send-file`; '' when it has none.
   */
  pathForFile?(file: File): string;
  /** Electron only: open a received file, or show it in its folder. */
  reveal?(request: RevealRequest): void;
}

/** The raw message pipe under a {@link CryptullyApi}: IPC in Electron, a WebSocket in a browser. */
export interface RawPipe {
  /** Sends an already validated command. */
  post(command: AppCommand): void;
  /** Delivers every raw incoming value (unvalidated) to `listener`; returns unsubscribe. */
  listen(listener: (raw: unknown) => void): () => void;
}

/**
 * Wraps a raw pipe in the validating {@link CryptullyApi}: every command is checked with
 * `parseAppCommand` before it leaves, every event with `parseAppEvent` before a listener sees
 * it. Invalid events are dropped and reported through `onInvalid` (never thrown into the pipe).
 * @example const api = createValidatedApi(pipe); api.send({ cmd: 'peers' });
 */
export function createValidatedApi(
  pipe: RawPipe,
  onInvalid: (error: Error) => void = () => {},
): CryptullyApi {
  return {
    send(command) {
      pipe.post(parseAppCommand(command));
    },
    onEvent(listener) {
      if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
      return pipe.listen((raw) => {
        let event: AppEvent;
        try {
          event = parseAppEvent(raw);
        } catch (error) {
          onInvalid(error as Error);
          return;
        }
        listener(event);
      });
    },
  };
}
