import type { Verification } from '@cryptully/core/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { deliveryLabel, formatTime, initials, VERIFICATION_BADGES } from '../format.js';
import type { Conversation, FileTransfer } from '../state.js';
import { useActions } from './app-context.js';
import { Transfers } from './transfers.js';

/** After this long without a key press, "typing" becomes "paused". */
const TYPING_PAUSE_MS = 3000;

/** A conversation: header with the verification badge, messages, typing, the composer. */
export function ChatView({
  conversation,
  verification,
  transfers,
}: {
  conversation: Conversation;
  /** What the badge shows (`key-changed` while a key-change warning waits for a decision). */
  verification: Verification;
  /** The file transfers with this friend. */
  transfers: FileTransfer[];
}) {
  const { dispatch, send, sendFiles } = useActions();
  const [dragging, setDragging] = useState(false);
  const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
  const badge = VERIFICATION_BADGES[verification];
  const listRef = useRef<HTMLOListElement>(null);
  const count = conversation.messages.length;

  useEffect(() => {
    const list = listRef.current;
    if (list && count >= 0) list.scrollTop = list.scrollHeight;
  }, [count, conversation.peer]);

  return (
    <section
      class={`chat ${dragging ? 'dragging' : ''}`}
      aria-labelledby="chat-title"
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setDragging(false);
        const files = Array.from(e.dataTransfer?.files ?? []);
        if (files.length > 0) sendFiles(conversation.peer, files);
      }}
    >
      {dragging && (
        <div class="drop-hint" aria-hidden="true">
          Drop to send to {conversation.name}
        </div>
      )}
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
      <Transfers transfers={transfers} friend={conversation.name} />
      <Composer conversation={conversation} />
    </section>
  );
}

function Composer({ conversation }: { conversation: Conversation }) {
  const { send, sendFiles } = useActions();
  const picker = useRef<HTMLInputElement>(null);
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
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        aria-label={`File to send to ${conversation.name}`}
        onChange={(e) => {
          const files = Array.from(e.currentTarget.files ?? []);
          e.currentTarget.value = '';
          if (files.length > 0) sendFiles(peer, files);
        }}
      />
      <button
        class="secondary attach"
        type="button"
        aria-label="Attach a file"
        title={
          conversation.online
            ? `Send a file to ${conversation.name} (or drop it here)`
            : `${conversation.name} is offline; files go to friends who are online`
        }
        disabled={!conversation.online}
        onClick={() => picker.current?.click()}
      >
        <svg
          viewBox="0 0 24 24"
          width="18"
          height="18"
          fill="none"
          stroke="currentColor"
          stroke-width="2"
          stroke-linecap="round"
          stroke-linejoin="round"
          aria-hidden="true"
        >
          <path d="M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48" />
        </svg>
      </button>
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
