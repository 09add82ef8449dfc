import type { PeerId } from '@cryptully/core/protocol';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AppCommand } from '../../bridge/app-protocol.js';
import type { RevealRequest } from '../../bridge/parse-app-command.js';
import type { Action } from '../state.js';

/** What every view may do: send a command to the back end, or change the view model. */
export interface AppActions {
  send(command: AppCommand): void;
  dispatch(action: Action): void;
  /** Offers files to a friend (by path in Electron, by upload in a browser). */
  sendFiles(peer: PeerId, files: readonly File[]): void;
  /** Stops a browser upload (its row's Cancel). */
  cancelUpload(upload: string): void;
  /** Electron only: opens or shows a received file; absent in a browser. */
  reveal?: ((request: RevealRequest) => void) | undefined;
}

/** Provided once by the app; read by views with {@link useActions}. */
export const ActionsContext = createContext<AppActions>({
  send: () => {},
  dispatch: () => {},
  sendFiles: () => {},
  cancelUpload: () => {},
});

/** The app's actions, in a view. */
export function useActions(): AppActions {
  return useContext(ActionsContext);
}
