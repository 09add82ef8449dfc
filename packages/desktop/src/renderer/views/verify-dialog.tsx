import { useEffect, useRef } from 'preact/hooks';
import type { Conversation } from '../state.js';
import { useActions } from './app-context.js';

/** The "Verify" panel: the code to compare by voice, and "Codes match". Escape closes it. */
export function VerifyDialog({ conversation }: { conversation: Conversation }) {
  const { send, dispatch } = useActions();
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => confirmRef.current?.focus(), []);
  const close = () => dispatch({ type: 'close-dialog' });
  return (
    <div class="backdrop">
      <div
        class="card dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="verify-title"
        aria-describedby="verify-help"
      >
        <h2 id="verify-title">Verify {conversation.name}</h2>
        <p id="verify-help">
          Call {conversation.name} or meet in person, and read this code aloud. If you both see the
          same code, nobody is listening in.
        </p>
        <p class="big-code">{conversation.code}</p>
        <p class="hint">Their fingerprint: {conversation.fingerprint}</p>
        <div class="actions">
          <button class="secondary" type="button" onClick={close}>
            Not now
          </button>
          <button
            ref={confirmRef}
            class="primary"
            type="button"
            onClick={() => {
              send({ cmd: 'verify', peer: conversation.peer });
              close();
            }}
          >
            Codes match
          </button>
        </div>
      </div>
    </div>
  );
}
