import { useEffect, useRef, useState } from 'preact/hooks';
import type { Conversation } from '../state.js';
import { useActions } from './app-context.js';

/**
 * The "Verify" panel, two ways: "Compare a code" (the code to read aloud, and "Codes match")
 * and "Ask a question" (a question only the friend can answer, with our own answer; SMP
 * compares the answers without sending them). A question the friend asked is answered here
 * too. Escape closes it.
 */
export function VerifyDialog({ conversation }: { conversation: Conversation }) {
  const { send, dispatch } = useActions();
  const [question, setQuestion] = useState('');
  const [answer, setAnswer] = useState('');
  const [reply, setReply] = useState('');
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
    // Only controls that can take focus: a disabled "Ask" must not let Tab leave the dialog.
    const buttons = [
      ...(e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>(
        'button:not([disabled]), input:not([disabled])',
      ),
    ];
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
        {conversation.question !== undefined && (
          <form
            class="verify-answer"
            onSubmit={(e) => {
              e.preventDefault();
              if (reply.trim() === '') return;
              send({ cmd: 'answer', peer: conversation.peer, answer: reply });
              close();
            }}
          >
            <h3>{conversation.name} asks you</h3>
            <p class="question">{conversation.question}</p>
            <label>
              Your answer (never sent: you both learn only whether the answers match)
              <input
                type="text"
                value={reply}
                onInput={(e) => setReply((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            <div class="actions">
              <button class="primary" type="submit" disabled={reply.trim() === ''}>
                Answer
              </button>
            </div>
          </form>
        )}
        <h3>Compare a code</h3>
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
        <form
          class="verify-ask"
          onSubmit={(e) => {
            e.preventDefault();
            if (question.trim() === '' || answer.trim() === '') return;
            send({ cmd: 'ask', peer: conversation.peer, question: question.trim(), answer });
            close();
          }}
        >
          <h3>Ask a question</h3>
          <p class="hint">
            Ask something only {conversation.name} can answer, and type your own answer. Nothing but
            whether the answers match is learnt by either of you.
          </p>
          <label>
            Question
            <input
              type="text"
              value={question}
              onInput={(e) => setQuestion((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <label>
            Your answer
            <input
              type="text"
              value={answer}
              onInput={(e) => setAnswer((e.currentTarget as HTMLInputElement).value)}
            />
          </label>
          <div class="actions">
            <button
              class="secondary"
              type="submit"
              disabled={question.trim() === '' || answer.trim() === ''}
            >
              Ask
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
