import type { IncomingRequest } from '../state.js';
import { useActions } from './app-context.js';

/** Someone asking to chat: their name, the code to compare, Accept / Reject. */
export function RequestCard({ request }: { request: IncomingRequest }) {
  const { send } = useActions();
  return (
    <article class="card request" aria-label={`Request from ${request.name}`}>
      <div class="request-text">
        <strong>{request.name}</strong> wants to chat
        {request.invited
          ? ' (joined with your invite, not verified: compare the code)'
          : request.known
            ? ' (a friend you know)'
            : ''}
        .
        {request.looksLike !== undefined ? (
          <div class="warning" role="alert">
            This name looks like {request.looksLike}, a friend you know, but the key is new. It may
            be someone else: compare the code with {request.looksLike} before you accept.
          </div>
        ) : null}
        <div class="code-line">
          Verification code <span class="code">{request.code}</span>
        </div>
      </div>
      <div class="actions">
        <button
          class="secondary"
          type="button"
          onClick={() => send({ cmd: 'reject', peer: request.peer })}
        >
          Reject
        </button>
        <button
          class="primary"
          type="button"
          onClick={() => send({ cmd: 'accept', peer: request.peer })}
        >
          Accept
        </button>
      </div>
    </article>
  );
}
