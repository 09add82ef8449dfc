import { useEffect, useRef } from 'preact/hooks';
import type { Conversation } from '../state.js';
import { useActions } from './app-context.js';

/** The "Verify" panel: the code to compare by voice, and "Codes match". Escape closes it. */
export function VerifyDialog({ conversation }: { conversation: Conversation }) {
  const { send, dispatch } = useActions();
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // Focus the main action; give focus back to what had it (the Verify button) on close.
    const before = document.activeElement as HTMLElement | null;
    confirmRef.current?.focus();
    return () => before?.focus();
  }, []);
  // Keep Tab inside the dialog while it is open.
  const trapTab = (e: KeyboardEvent) => {
    if (e.key !== 'Tab') return;
    const buttons = [...(e.currentTarget as HTMLElement).querySelectorAll('button')];
    const first = buttons[0];
    const last = buttons[buttons.length - 1];
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last?.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first?.focus();
    }
  };
  const close = () => dispatch({ type: 'close-dialog' });
  return (
    <div class="backdrop">
      <div
        class="card dialog"
        role="dialog"
        onKeyDown={trapTab}
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
