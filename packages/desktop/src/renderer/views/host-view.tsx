import { useState } from 'preact/hooks';
import type { ViewState } from '../state.js';
import { useActions } from './app-context.js';
import { QrCode } from './qr-code.js';
import { RequestCard } from './request-card.js';

/** Hosting: the invite (copy, QR code), our addresses and who is waiting. */
export function HostView({ state }: { state: ViewState }) {
  const { send } = useActions();
  const [copied, setCopied] = useState(false);
  const hosting = state.hosting;
  const requests = state.requests.filter((r) => !r.keyChanged);

  const copy = async () => {
    if (!hosting) return;
    try {
      await navigator.clipboard.writeText(hosting.invite);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };

  if (!hosting) {
    return (
      <section class="host" aria-labelledby="host-title" aria-busy="true">
        <h1 id="host-title">Start a chat</h1>
        <p class="lead">Opening your chat to friends…</p>
      </section>
    );
  }

  return (
    <section class="host" aria-labelledby="host-title">
      <h1 id="host-title">Invite a friend</h1>
      <p class="lead">
        Send this invite to your friend (by a message, an e-mail, or let them scan the code). It
        works once and proves to them that they reached you.
      </p>
      <div class="card invite-card">
        <QrCode text={hosting.invite} label="QR code of the invite" />
        <div class="invite-body">
          <label class="field">
            <span>Invite</span>
            <textarea
              class="invite"
              readOnly
              rows={3}
              value={hosting.invite}
              onFocus={(e) => e.currentTarget.select()}
            />
          </label>
          <div class="actions">
            <button class="primary" type="button" onClick={copy}>
              {copied ? 'Copied' : 'Copy invite'}
            </button>
            <button class="secondary" type="button" onClick={() => send({ cmd: 'invite' })}>
              New invite
            </button>
          </div>
          <p class="hint" aria-live="polite">
            {copied ? 'The invite is on your clipboard.' : ''}
          </p>
          <p class="addresses">
            Listening on{' '}
            {(hosting.addresses.length
              ? hosting.addresses
              : [`${hosting.host}:${hosting.port}`]
            ).map((address, index) => (
              <span key={address}>
                {index > 0 ? ', ' : ''}
                <code>{address}</code>
              </span>
            ))}
          </p>
        </div>
      </div>
      {hosting.joinCode && (
        <div class="card join-code-card">
          <p>
            Or read out this join code (on the phone, in person). It works once: a wrong try burns
            it and you get a new one.
          </p>
          {hosting.joinCodeBurnt && (
            <p class="join-code-burnt">
              Someone tried a wrong code, so the last one was burnt. Read out this new one.
            </p>
          )}
          <p class="join-code" role="status">
            Join code: <code>{hosting.joinCode}</code>
          </p>
        </div>
      )}
      <h2 class="section-title">Waiting room</h2>
      {requests.length === 0 ? (
        <p class="waiting" role="status">
          <span class="pulse" aria-hidden="true" /> Waiting for your friend to join…
        </p>
      ) : (
        <div class="requests">
          {requests.map((r) => (
            <RequestCard key={r.peer} request={r} />
          ))}
        </div>
      )}
    </section>
  );
}
