import { initials } from '../format.js';
import { conversationList, type ViewState } from '../state.js';
import { useActions } from './app-context.js';
import { Logo } from './setup-view.js';

/** The left column: who we are, a "New chat" button and the conversation list. */
export function Sidebar({ state }: { state: ViewState }) {
  const { dispatch } = useActions();
  const conversations = conversationList(state);
  const pending = state.requests.length;
  return (
    <aside class="sidebar">
      <header class="sidebar-head">
        <span class="brand">
          <Logo /> Cryptully
        </span>
      </header>
      <button
        class="primary wide new-chat"
        type="button"
        onClick={() => dispatch({ type: 'show', screen: 'start' })}
      >
        New chat
      </button>
      {state.hosting && (
        <button
          class={`nav-item ${state.screen === 'host' ? 'active' : ''}`}
          type="button"
          aria-current={state.screen === 'host' ? 'page' : undefined}
          onClick={() => dispatch({ type: 'show', screen: 'host' })}
        >
          <span class="nav-icon" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="18" height="18" focusable="false" aria-hidden="true">
              <path
                d="M4 7h16v10H4zM4 7l8 6 8-6"
                stroke="currentColor"
                stroke-width="2"
                stroke-linejoin="round"
                fill="none"
              />
            </svg>
          </span>
          <span class="nav-text">Your invite</span>
          {pending > 0 && (
            <span class="badge">
              {pending}
              <span class="sr-only"> waiting</span>
            </span>
          )}
        </button>
      )}
      <nav aria-label="Conversations" class="conversations">
        {conversations.length === 0 ? (
          <p class="empty-list">No conversations yet.</p>
        ) : (
          <ul>
            {conversations.map((c) => {
              const active = state.screen === 'chat' && state.selected === c.peer;
              const last = c.messages[c.messages.length - 1];
              const label = `${c.name}${c.unread ? `, ${c.unread} unread` : ''}${c.online ? ', online' : ', offline'}`;
              return (
                <li key={c.peer}>
                  <button
                    type="button"
                    class={`conversation ${active ? 'active' : ''}`}
                    aria-current={active ? 'page' : undefined}
                    aria-label={label}
                    onClick={() => dispatch({ type: 'select', peer: c.peer })}
                  >
                    <span class="avatar" aria-hidden="true">
                      {initials(c.name)}
                      <span class={`presence ${c.online ? 'online' : ''}`} />
                    </span>
                    <span class="conversation-text">
                      <span class="conversation-name">{c.name}</span>
                      <span class="conversation-last">
                        {c.typing === 'typing'
                          ? 'typing…'
                          : last
                            ? last.text
                            : c.online
                              ? 'Connected'
                              : 'Offline'}
                      </span>
                    </span>
                    {c.unread > 0 && (
                      <span class="badge" aria-hidden="true">
                        {c.unread}
                      </span>
                    )}
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </nav>
      {state.me && (
        <footer class="profile" title={`Your fingerprint: ${state.me.fingerprint}`}>
          <span class="avatar small" aria-hidden="true">
            {initials(state.me.name)}
          </span>
          <span class="profile-text">
            <span class="profile-name">{state.me.name}</span>
            <span class="profile-fp">{state.me.fingerprint.split(' ').slice(0, 3).join(' ')}…</span>
          </span>
        </footer>
      )}
    </aside>
  );
}
