import { useEffect, useRef, useState } from 'preact/hooks';
import type { ViewState } from '../state.js';
import { useActions } from './app-context.js';

/** First run (choose a name, optional passphrase) or unlocking a protected identity. */
export function SetupView({ state }: { state: ViewState }) {
  const { send, dispatch } = useActions();
  const [name, setName] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const locked = state.phase === 'locked';
  const firstField = useRef<HTMLInputElement>(null);
  useEffect(() => firstField.current?.focus(), [locked]);

  const submit = (event: Event) => {
    event.preventDefault();
    if (state.busy) return;
    if (locked) {
      if (!passphrase) return;
      dispatch({ type: 'busy' });
      send({ cmd: 'unlock', passphrase });
    } else {
      if (!name.trim()) return;
      dispatch({ type: 'busy' });
      send(
        passphrase
          ? { cmd: 'setup', name: name.trim(), passphrase }
          : { cmd: 'setup', name: name.trim() },
      );
    }
  };

  return (
    <main class="setup" aria-labelledby="setup-title">
      <form class="card setup-card" onSubmit={submit}>
        <div class="brand-mark" aria-hidden="true">
          <Logo />
        </div>
        <h1 id="setup-title">{locked ? 'Unlock Cryptully' : 'Welcome to Cryptully'}</h1>
        <p class="lead">
          {locked
            ? 'Your identity is protected by a passphrase. Enter it to start chatting.'
            : 'Private chat straight between you and your friends, with no server in the middle.'}
        </p>
        {!locked && (
          <label class="field">
            <span>Your name</span>
            <input
              ref={firstField}
              type="text"
              name="name"
              autoComplete="nickname"
              maxLength={64}
              required
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
              placeholder="How friends will see you"
            />
          </label>
        )}
        <label class="field">
          <span>{locked ? 'Passphrase' : 'Passphrase (optional)'}</span>
          <input
            ref={locked ? firstField : undefined}
            type="password"
            name="passphrase"
            autoComplete={locked ? 'current-password' : 'new-password'}
            required={locked}
            value={passphrase}
            onInput={(e) => setPassphrase(e.currentTarget.value)}
            aria-describedby="passphrase-help"
          />
        </label>
        <p id="passphrase-help" class="hint">
          {locked
            ? 'It is never stored: if it is lost, your identity cannot be recovered.'
            : 'A passphrase encrypts your key on this computer, so someone who copies your files cannot pretend to be you.'}
        </p>
        {state.setupError && (
          <p class="form-error" role="alert">
            {state.setupError}
          </p>
        )}
        <button class="primary wide" type="submit" disabled={state.busy}>
          {state.busy ? 'One moment…' : locked ? 'Unlock' : 'Continue'}
        </button>
      </form>
    </main>
  );
}

/** The app's mark: a speech bubble with a keyhole. */
export function Logo() {
  return (
    <svg viewBox="0 0 32 32" width="32" height="32" aria-hidden="true" focusable="false">
      <path
        d="M6 5h20a4 4 0 0 1 4 4v11a4 4 0 0 1-4 4H14l-6 5v-5H6a4 4 0 0 1-4-4V9a4 4 0 0 1 4-4z"
        fill="currentColor"
      />
      <circle cx="16" cy="12.5" r="3" fill="var(--logo-hole)" />
      <path d="M14.6 14.5h2.8l.8 5h-4.4z" fill="var(--logo-hole)" />
    </svg>
  );
}
