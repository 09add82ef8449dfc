import type { ViewState } from '../state.js';
import { useActions } from './app-context.js';
import { NetworkSettings } from './network-settings.js';

/** Asks for permission to show notifications, once, on a click (browsers require a gesture). */
export function askForNotifications(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
    void Notification.requestPermission().catch(() => {});
  }
}

/** The start screen: host a chat or join one. */
export function StartView({ state }: { state: ViewState }) {
  const { send, dispatch } = useActions();
  const host = () => {
    askForNotifications();
    if (!state.hosting) send({ cmd: 'host' });
    dispatch({ type: 'show', screen: 'host' });
  };
  const join = () => {
    askForNotifications();
    dispatch({ type: 'show', screen: 'join' });
  };
  return (
    <section class="start" aria-labelledby="start-title">
      <h1 id="start-title">{state.me ? `Hello, ${state.me.name}` : 'Hello'}</h1>
      <p class="lead">Chat privately with a friend. Nothing passes through anyone else's server.</p>
      <div class="choices">
        <div class="card choice">
          <div class="choice-icon" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="22" height="22" focusable="false" aria-hidden="true">
              <path
                d="M12 5v14M5 12h14"
                stroke="currentColor"
                stroke-width="2.2"
                stroke-linecap="round"
              />
            </svg>
          </div>
          <h2>Host</h2>
          <p>Get an invite to send to your friend, then let them in when they arrive.</p>
          <button class="primary" type="button" onClick={host}>
            Start a chat
          </button>
        </div>
        <div class="card choice">
          <div class="choice-icon" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="22" height="22" focusable="false" aria-hidden="true">
              <path
                d="M5 12h13M13 6l6 6-6 6"
                stroke="currentColor"
                stroke-width="2.2"
                stroke-linecap="round"
                stroke-linejoin="round"
                fill="none"
              />
            </svg>
          </div>
          <h2>Join</h2>
          <p>Paste the invite a friend sent you, or type their address.</p>
          <button class="primary" type="button" onClick={join}>
            Join a chat
          </button>
        </div>
      </div>
      <NetworkSettings state={state} />
    </section>
  );
}
