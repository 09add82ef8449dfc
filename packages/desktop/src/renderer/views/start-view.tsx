import type { ViewState } from '../state.js';
import { useActions } from './app-context.js';

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
            ＋
          </div>
          <h2>Host</h2>
          <p>Get an invite to send to your friend, then let them in when they arrive.</p>
          <button class="primary" type="button" onClick={host}>
            Start a chat
          </button>
        </div>
        <div class="card choice">
          <div class="choice-icon" aria-hidden="true">
            →
          </div>
          <h2>Join</h2>
          <p>Paste the invite a friend sent you, or type their address.</p>
          <button class="primary" type="button" onClick={join}>
            Join a chat
          </button>
        </div>
      </div>
    </section>
  );
}
