import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AppCommand } from '../../bridge/app-protocol.js';
import type { Action } from '../state.js';

/** What every view may do: send a command to the back end, or change the view model. */
export interface AppActions {
  send(command: AppCommand): void;
  dispatch(action: Action): void;
}

/** Provided once by the app; read by views with {@link useActions}. */
export const ActionsContext = createContext<AppActions>({
  send: () => {},
  dispatch: () => {},
});

/** The app's actions, in a view. */
export function useActions(): AppActions {
  return useContext(ActionsContext);
}
