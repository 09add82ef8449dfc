import { useEffect, useMemo, useReducer, useRef } from 'preact/hooks';
import type { AppCommand, AppEvent } from '../../bridge/app-protocol.js';
import type { Client } from '../client.js';
import {
  currentConversation,
  initialState,
  reduce,
  shouldNotify,
  shownVerification,
  transfersWith,
} from '../state.js';
import { type RunningUpload, sendFile } from '../upload.js';
import { ActionsContext, type AppActions } from './app-context.js';
import { ChatView } from './chat-view.js';
import { HostView } from './host-view.js';
import { JoinView } from './join-view.js';
import { KeyWarningBanner } from './key-warning.js';
import { Notices } from './notices.js';
import { RequestCard } from './request-card.js';
import { SetupView } from './setup-view.js';
import { Sidebar } from './sidebar.js';
import { StartView } from './start-view.js';
import { VerifyDialog } from './verify-dialog.js';

function notify(state: ReturnType<typeof initialState>, event: AppEvent): void {
  if (event.event !== 'message' || typeof Notification === 'undefined') return;
  if (Notification.permission !== 'granted') return;
  const name = state.conversations[event.peer]?.name ?? 'A friend';
  try {
    new Notification(name, { body: event.text, tag: event.peer });
  } catch {
    // Some shells do not allow notifications from a page; the unread count still shows.
  }
}

/**
 * Shown when the address was refused: each printed address opens the app once (in one tab,
 * which keeps working across reloads), and an address from an earlier run never works.
 */
function AddressUsedPage() {
  return (
    <main class="loading">
      <div class="card setup-card">
        <h1>This address cannot open Cryptully</h1>
        <p>
          Each address printed by <code>cryptully-desktop --web</code> opens the app once, in one
          tab, so that nobody who sees it later can use it. If you already opened it, go back to
          that tab (reloading it is fine).
        </p>
        <p>
          For a new address, press Enter in the terminal where Cryptully is running, or stop it with
          Ctrl+C and start <code>cryptully-desktop --web</code> again.
        </p>
      </div>
    </main>
  );
}

/** The whole UI: wires the client to the reducer and picks the screen. */
export function App({ client }: { client: Client }) {
  const [state, dispatch] = useReducer(reduce, undefined, () => initialState(document.hasFocus()));
  const stateRef = useRef(state);
  stateRef.current = state;

  useEffect(() => {
    client.onStatus((status) => dispatch({ type: 'bridge', status }));
    const unsubscribe = client.api.onEvent((event) => {
      // An upload's acknowledgements reach the view through its uploader, a few a second.
      if (event.event === 'upload-ack') return;
      if (shouldNotify(stateRef.current, event)) notify(stateRef.current, event);
      dispatch({ type: 'event', event, now: Date.now() });
    });
    const focus = () => dispatch({ type: 'focus', focused: true });
    const blur = () => dispatch({ type: 'focus', focused: false });
    const closeOnEscape = (e: KeyboardEvent) => {
      if (e.key === 'Escape') dispatch({ type: 'close-dialog' });
    };
    window.addEventListener('focus', focus);
    window.addEventListener('blur', blur);
    window.addEventListener('keydown', closeOnEscape);
    return () => {
      unsubscribe();
      window.removeEventListener('focus', focus);
      window.removeEventListener('blur', blur);
      window.removeEventListener('keydown', closeOnEscape);
    };
  }, [client]);

  const uploads = useRef(new Map<string, RunningUpload>());
  const actions: AppActions = useMemo(() => {
    const send = (command: AppCommand) => {
      try {
        client.api.send(command);
      } catch (error) {
        dispatch({
          type: 'event',
          event: { event: 'error', code: 'ERR_BAD_COMMAND', message: (error as Error).message },
        });
      }
    };
    const reveal = client.api.reveal;
    return {
      dispatch,
      send,
      sendFiles(peer, files) {
        for (const file of files) {
          try {
            const running = sendFile(client.api, peer, file, dispatch);
            if (running) uploads.current.set(running.upload, running);
          } catch (error) {
            dispatch({
              type: 'event',
              event: { event: 'error', code: 'ERR_BAD_COMMAND', message: (error as Error).message },
            });
          }
        }
      },
      cancelUpload(upload) {
        uploads.current.get(upload)?.cancel();
        uploads.current.delete(upload);
      },
      reveal: reveal ? (request) => reveal(request) : undefined,
    };
  }, [client]);

  let body: preact.JSX.Element;
  if (state.bridge === 'refused') {
    body = <AddressUsedPage />;
  } else if (state.phase === 'loading') {
    body = (
      <main class="loading" aria-busy={state.bridge !== 'closed'}>
        {state.bridge === 'closed' ? (
          <div class="card setup-card">
            <h1>Cannot reach Cryptully</h1>
            <p>
              Cryptully has stopped. Start <code>cryptully-desktop --web</code> again and open the
              address it prints.
            </p>
          </div>
        ) : (
          <p>Starting Cryptully…</p>
        )}
      </main>
    );
  } else if (state.phase !== 'ready') {
    body = <SetupView state={state} />;
  } else {
    const conversation = currentConversation(state);
    const screen = conversation ? 'chat' : state.screen === 'chat' ? 'start' : state.screen;
    const otherRequests = screen === 'host' ? [] : state.requests.filter((r) => !r.keyChanged);
    body = (
      <div class="shell">
        <Sidebar state={state} />
        <main class="main">
          {state.keyWarnings.map((w) => (
            <KeyWarningBanner
              key={w.peer}
              warning={w}
              request={state.requests.find((r) => r.peer === w.peer && r.keyChanged)}
            />
          ))}
          {otherRequests.length > 0 && (
            <div class="banner-requests">
              {otherRequests.map((r) => (
                <RequestCard key={r.peer} request={r} />
              ))}
            </div>
          )}
          {screen === 'start' && <StartView state={state} />}
          {screen === 'host' && <HostView state={state} />}
          {screen === 'join' && <JoinView state={state} />}
          {screen === 'chat' && conversation && (
            <ChatView
              conversation={conversation}
              verification={shownVerification(state, conversation)}
              transfers={transfersWith(state, conversation.peer)}
            />
          )}
        </main>
        {state.verifyOpen && conversation && <VerifyDialog conversation={conversation} />}
      </div>
    );
  }

  return (
    <ActionsContext.Provider value={actions}>
      {state.bridge === 'closed' && state.phase !== 'loading' && (
        <div class="connection-lost" role="alert">
          Lost contact with Cryptully. Reconnecting…
        </div>
      )}
      {body}
      <Notices notices={state.notices} />
    </ActionsContext.Provider>
  );
}
