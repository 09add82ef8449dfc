import { useEffect, useRef, useState } from 'preact/hooks';
import type { ViewState } from '../state.js';
import { useActions } from './app-context.js';

/** Joining: paste an invite or type an address, then follow the attempt. */
export function JoinView({ state }: { state: ViewState }) {
  const { send } = useActions();
  const [target, setTarget] = useState('');
  const join = state.join;
  const active = join !== null && join.status !== 'failed';
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => field.current?.focus(), []);

  const submit = (event: Event) => {
    event.preventDefault();
    const value = target.trim();
    if (!value || active) return;
    send({ cmd: 'join', target: value });
  };

  return (
    <section class="join" aria-labelledby="join-title">
      <h1 id="join-title">Join a chat</h1>
      <p class="lead">
        Paste the invite your friend sent you, type the join code they read out to you, their
        address, or the name of a friend you joined before (their key is checked).
      </p>
      <form class="card join-card" onSubmit={submit}>
        <label class="field">
          <span>Invite or address (or a join code)</span>
          <textarea
            ref={field}
            rows={3}
            value={target}
            placeholder="cryptully://join/…  or  7-purple-sausage  or  example.org:7777"
            onInput={(e) => setTarget(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) submit(e);
            }}
            spellcheck={false}
          />
        </label>
        <div class="actions">
          <button class="primary" type="submit" disabled={active || !target.trim()}>
            Join
          </button>
        </div>
      </form>
      {join && (
        <div class={`card status-card ${join.status}`} role="status" aria-live="polite">
          {join.status === 'connecting' &&
            (state.keyWarnings.length > 0 ? (
              <p>Decide about the warning above to continue.</p>
            ) : (
              <p>
                <span class="pulse" aria-hidden="true" /> Connecting…
              </p>
            ))}
          {join.status === 'waiting' && (
            <>
              <p>
                <span class="pulse" aria-hidden="true" /> Waiting for <strong>{join.name}</strong>{' '}
                to let you in.
              </p>
              <p class="code-line">
                If you want, compare this code with them: <span class="code">{join.code}</span>
              </p>
            </>
          )}
          {join.status === 'failed' && (
            <p>
              <strong>Could not join.</strong> {join.message}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
