import type { Verification } from '@cryptully/core/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { deliveryLabel, formatTime, initials, VERIFICATION_BADGES } from '../format.js';
import type { Conversation } from '../state.js';
import { useActions } from './app-context.js';

/** After this long without a key press, "typing" becomes "paused". */
const TYPING_PAUSE_MS = 3000;

/** A conversation: header with the verification badge, messages, typing, the composer. */
export function ChatView({
  conversation,
  verification,
}: {
  conversation: Conversation;
  /** What the badge shows (`key-changed` while a key-change warning waits for a decision). */
  verification: Verification;
}) {
  const { dispatch, send } = useActions();
  const badge = VERIFICATION_BADGES[verification];
  const listRef = useRef<HTMLOListElement>(null);
  const count = conversation.messages.length;

  useEffect(() => {
    const list = listRef.current;
    if (list && count >= 0) list.scrollTop = list.scrollHeight;
  }, [count, conversation.peer]);

  return (
    <section class="chat" aria-labelledby="chat-title">
      <header class="chat-head">
        <span class="avatar" aria-hidden="true">
          {initials(conversation.name)}
          <span class={`presence ${conversation.online ? 'online' : ''}`} />
        </span>
        <div class="chat-title">
          <h1 id="chat-title">{conversation.name}</h1>
          <span class="presence-text" title={conversation.path?.exposure}>
            {conversation.online
              ? conversation.path
                ? `Online, ${conversation.path.label}`
                : 'Online'
              : (conversation.note ?? 'Offline')}
          </span>
        </div>
        <span class={`verification ${badge.tone}`} title={badge.explanation}>
          {badge.label}
        </span>
        <button class="secondary" type="button" onClick={() => dispatch({ type: 'open-verify' })}>
          Verify
        </button>
        {conversation.online && (
          <button
            class="secondary"
            type="button"
            onClick={() => send({ cmd: 'disconnect', peer: conversation.peer })}
          >
            End chat
          </button>
        )}
      </header>
      <ol
        class="messages"
        ref={listRef}
        aria-label={`Messages with ${conversation.name}`}
        role="log"
      >
        {conversation.messages.length === 0 && (
          <li class="empty-chat">
            {conversation.online
              ? `You are connected to ${conversation.name}. Say hello! Messages are end-to-end encrypted.`
              : `No messages with ${conversation.name} yet.`}
          </li>
        )}
        {conversation.messages.map((m) => (
          <li key={`${m.from}:${m.id}`} class={`message ${m.from}`}>
            <div class="bubble">{m.text}</div>
            <div class="meta">
              <time dateTime={new Date(m.at).toISOString()}>{formatTime(m.at)}</time>
              {m.from === 'me' && <span class={`delivery ${m.delivery}`}>{deliveryLabel(m)}</span>}
            </div>
          </li>
        ))}
      </ol>
      <p class="typing-indicator" aria-live="polite">
        {conversation.typing === 'typing' ? `${conversation.name} is typing…` : ''}
      </p>
      <Composer conversation={conversation} />
    </section>
  );
}

function Composer({ conversation }: { conversation: Conversation }) {
  const { send } = useActions();
  const [text, setText] = useState('');
  const typing = useRef<'typing' | 'paused' | 'idle'>('idle');
  const pauseTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const peer = conversation.peer;
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (peer) box.current?.focus();
  }, [peer]);

  const setTyping = (state: 'typing' | 'paused' | 'idle') => {
    if (typing.current === state || !conversation.online) return;
    typing.current = state;
    try {
      send({ cmd: 'typing', peer, state });
    } catch {
      // Typing hints are best effort.
    }
  };

  useEffect(
    () => () => {
      clearTimeout(pauseTimer.current);
    },
    [],
  );

  const submit = () => {
    const value = text.trim();
    if (!value) return;
    send({ cmd: 'send', peer, text: value });
    setText('');
    clearTimeout(pauseTimer.current);
    setTyping('idle');
  };

  const onInput = (value: string) => {
    setText(value);
    clearTimeout(pauseTimer.current);
    if (value === '') return setTyping('idle');
    setTyping('typing');
    pauseTimer.current = setTimeout(() => setTyping('paused'), TYPING_PAUSE_MS);
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <textarea
        ref={box}
        rows={1}
        value={text}
        aria-label={`Message to ${conversation.name}`}
        placeholder={
          conversation.online
            ? `Message ${conversation.name}`
            : `Message ${conversation.name} (sent when they are back)`
        }
        onInput={(e) => onInput(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <button class="primary" type="submit" disabled={!text.trim()}>
        Send
      </button>
    </form>
  );
}
