import type { IncomingRequest, KeyWarning } from '../state.js';
import { useActions } from './app-context.js';

/**
 * A remembered friend's key changed: a full-width warning that needs a decision (accept the
 * new key after checking with them, or reject the connection).
 */
export function KeyWarningBanner({
  warning,
  request,
}: {
  warning: KeyWarning;
  request: IncomingRequest | undefined;
}) {
  const { send } = useActions();
  return (
    <div class="key-warning" role="alert" aria-labelledby={`kw-${warning.peer}`}>
      <div class="key-warning-body">
        <h2 id={`kw-${warning.peer}`}>{warning.name}'s security key has changed</h2>
        <p>
          This happens when {warning.name} reinstalled Cryptully or uses a new computer, but it can
          also mean someone is pretending to be them. Ask {warning.name} by phone or in person
          before you continue.
        </p>
        <dl class="fingerprints">
          <dt>Before</dt>
          <dd>{warning.oldFingerprint}</dd>
          <dt>Now</dt>
          <dd>{warning.newFingerprint}</dd>
        </dl>
      </div>
      <div class="actions">
        <button
          class="secondary"
          type="button"
          onClick={() => send({ cmd: request ? 'reject' : 'disconnect', peer: warning.peer })}
        >
          Reject
        </button>
        {request && (
          <button
            class="danger"
            type="button"
            onClick={() => send({ cmd: 'accept', peer: warning.peer, confirmKeyChange: true })}
          >
            Trust the new key
          </button>
        )}
      </div>
    </div>
  );
}
