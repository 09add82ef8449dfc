/**
 * The chat loop shared by the TUI and the plain mode: events from the node go through the
 * reducer into the view-model; typed lines go through the slash-command interpreter to the
 * node. Front ends only draw the state and feed it lines and keys.
 * @module
 */
import type { ChatCommand, ChatEvent, ChatNodeApi, PeerId } from '@cryptully/core/protocol';
import { EXIT, type ExitCode } from './exit-codes.js';
import { interpretLine, type LineOutcome } from './slash-commands.js';
import {
  addLine,
  awaitOwnAnswer,
  clearQuestion,
  initialState,
  noteJoin,
  reduce,
  switchTo,
  type UiState,
  withoutPreparing,
} from './ui-state.js';

/** How a chat ended: the exit status and, for a failure, one sentence for stderr. */
export interface ChatEnd {
  readonly exitCode: ExitCode;
  readonly message?: string;
}

/** Events after which the chat has started: failures from then on are shown, not fatal. */
const STARTED: ReadonlySet<ChatEvent['event']> = new Set([
  'listening',
  'waiting',
  'connected',
  'request',
]);

/** Drives one chat: owns the view-model, talks to the node, reports changes. */
export class ChatController {
  /** The view-model; replaced (never mutated) on every change. */
  state: UiState = initialState;
  /** Resolves when the chat is over (quit, Ctrl-C, end of input, or a failure to start). */
  readonly done: Promise<ChatEnd>;
  private started = false;
  private ending = false;
  private resolveDone!: (end: ChatEnd) => void;
  private readonly listeners = new Set<(state: UiState, event?: ChatEvent) => void>();
  private unsubscribe: (() => void) | undefined;
  private readonly viewModel: boolean;

  /**
   * @param options.viewModel false for a front end that never draws the state (`--json`):
   *   events are passed on as they are, without running the view-model reducer.
   */
  constructor(
    private readonly node: ChatNodeApi,
    private readonly now: () => number = Date.now,
    options: { viewModel?: boolean } = {},
  ) {
    this.viewModel = options.viewModel ?? true;
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /**
   * Subscribes to the node's events. Call it once the front end listens to this controller:
   * the node hands its first subscriber the events it buffered (such as `ready`).
   */
  start(): void {
    if (this.unsubscribe === undefined && !this.ending) {
      this.unsubscribe = this.node.on((event) => this.apply(event));
    }
  }

  /** Calls `listener` after every change of the state (with the event, if one caused it). */
  onChange(listener: (state: UiState, event?: ChatEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends a command to the node; a failure becomes a warning line, never an exception. */
  send(command: ChatCommand): Promise<void> {
    if (command.cmd === 'join' && this.viewModel) {
      this.update(noteJoin(this.state, command.target));
    }
    return this.node.dispatch(command).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      // A file that failed while it was got ready leaves no bar behind.
      const state =
        command.cmd === 'send-file' && command.peer !== undefined
          ? withoutPreparing(this.state, command.peer)
          : this.state;
      this.update(
        addLine(state, this.state.current, { kind: 'warning', at: this.now(), text: message }),
      );
    });
  }

  /**
   * Sends the command that starts the chat (host or join). Input read by the line-based modes
   * waits for it ({@link ChatController.afterStart}), so that a script's first commands, or the
   * end of its input, cannot overtake it.
   */
  begin(command: ChatCommand): void {
    this.started$ = this.send(command);
  }

  /** Runs `task` after the start command was carried out (at once if there was none). */
  afterStart(task: () => void): void {
    this.queue = this.queue.then(() => this.started$).then(task);
  }

  private started$: Promise<void> = Promise.resolve();
  private queue: Promise<void> = Promise.resolve();

  /** Adds a note for the person to the conversation shown (not sent anywhere). */
  note(text: string, warning = false): void {
    this.update(
      addLine(this.state, this.state.current, {
        kind: warning ? 'warning' : 'info',
        at: this.now(),
        text,
      }),
    );
  }

  /** Handles a line the person typed (text or a slash command). */
  submit(line: string): LineOutcome {
    const outcome = interpretLine(line, this.state);
    let state = this.state;
    if (outcome.switchTo !== undefined) state = switchTo(state, outcome.switchTo);
    if (outcome.awaitAnswer !== undefined) {
      state = awaitOwnAnswer(state, outcome.awaitAnswer.peer, outcome.awaitAnswer.question);
    }
    if (outcome.answered !== undefined) state = clearQuestion(state, outcome.answered);
    if (outcome.note !== undefined) {
      state = addLine(state, state.current, {
        kind: outcome.warning ? 'warning' : 'info',
        at: this.now(),
        text: outcome.note,
      });
    }
    if (state !== this.state) this.update(state);
    for (const command of outcome.commands ?? []) this.send(command);
    if (outcome.quit) void this.quit();
    return outcome;
  }

  /** Shows a conversation (`null`: the home log). */
  show(peer: PeerId | null): void {
    this.update(switchTo(this.state, peer));
  }

  /** Shows the next (`+1`) or previous (`-1`) conversation, wrapping through the home log. */
  cycle(step: 1 | -1): void {
    const order: Array<PeerId | null> = [null, ...this.state.conversations.map((c) => c.peer)];
    const index = order.indexOf(this.state.current);
    this.show(order[(index + step + order.length) % order.length] ?? null);
  }

  /** Says goodbye to every peer, then ends the chat with success. Safe to call twice. */
  async quit(end: ChatEnd = { exitCode: EXIT.ok }): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    this.unsubscribe?.();
    try {
      await this.node.close();
    } catch {
      // Closing is best effort: the process is ending anyway.
    }
    this.resolveDone(end);
  }

  private apply(event: ChatEvent): void {
    this.update(this.viewModel ? reduce(this.state, event, this.now()) : this.state, event);
    if (STARTED.has(event.event)) this.started = true;
    if (!this.started && (event.event === 'error' || event.event === 'disconnected')) {
      void this.quit({ exitCode: EXIT.failure, message: event.message });
    }
  }

  private update(state: UiState, event?: ChatEvent): void {
    this.state = state;
    for (const listener of this.listeners) listener(state, event);
  }
}
