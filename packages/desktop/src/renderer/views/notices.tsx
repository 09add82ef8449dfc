import type { Notice } from '../state.js';
import { useActions } from './app-context.js';

/** Errors and short messages from the back end, each with a Dismiss button. */
export function Notices({ notices }: { notices: Notice[] }) {
  const { dispatch } = useActions();
  return (
    <div class="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} class={`notice ${n.kind}`}>
          <span>{n.text}</span>
          <button
            type="button"
            class="icon"
            aria-label="Dismiss"
            onClick={() => dispatch({ type: 'dismiss', id: n.id })}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
