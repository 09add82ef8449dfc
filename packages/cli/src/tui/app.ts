/**
 * The full-screen chat: wires the widgets to the {@link ChatController} and routes keys.
 * Keys go to the request dialog when it is open, then to the global shortcuts (Ctrl-C,
 * Ctrl-N/P, Alt-0…9, PageUp/PageDown), then to the input line of the conversation shown.
 * @module
 */
import blessed from 'blessed';
import type { ChatController, ChatEnd } from '../controller.js';
import { completeLine } from '../slash-commands.js';
import { TypingTracker } from '../typing-tracker.js';
import { currentConversation, pendingRequests, type UiState } from '../ui-state.js';
import { ChatLog } from './chat-log.js';
import { ConversationList, LIST_WIDTH } from './conversation-list.js';
import { InputLine } from './input-line.js';
import { InputModel } from './input-model.js';
import { ARMING_DELAY_MS, RequestDialog } from './request-dialog.js';
import { StatusBar } from './status-bar.js';
import type { Theme } from './theme.js';

/** What the TUI needs. */
export interface TuiOptions {
  readonly screen: blessed.Widgets.Screen;
  readonly controller: ChatController;
  readonly theme: Theme;
  readonly now?: () => number;
  /** See {@link ARMING_DELAY_MS}; tests pass 0. */
  readonly armingDelayMs?: number;
}

/** A key as blessed reports it. */
export interface KeyPress {
  readonly name?: string;
  readonly full?: string;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
}

/** Narrower than this, the conversation list is hidden to leave room for the chat. */
const MIN_WIDTH_FOR_LIST = 60;

/** The TUI: widgets, key routing, per-conversation inputs and typing indicators. */
export class TuiApp {
  private readonly screen: blessed.Widgets.Screen;
  private readonly controller: ChatController;
  private readonly now: () => number;
  private readonly log: ChatLog;
  private readonly list: ConversationList;
  private readonly status: StatusBar;
  private readonly input: InputLine;
  private readonly dialog: RequestDialog;
  private readonly inputs = new Map<string, InputModel>();
  private readonly typing = new Map<string, TypingTracker>();
  /** Requests answered or put off with Esc: the dialog does not show them again. */
  private readonly setAside = new Set<string>();
  private renderScheduled = false;
  private readonly ticker: NodeJS.Timeout;
  private destroyed = false;

  constructor(options: TuiOptions) {
    this.screen = options.screen;
    this.controller = options.controller;
    this.now = options.now ?? Date.now;
    const { theme } = options;
    this.list = new ConversationList(this.screen, theme, blessed);
    this.log = new ChatLog(this.screen, theme, blessed);
    this.status = new StatusBar(this.screen, theme, blessed);
    this.input = new InputLine(this.screen, theme, blessed);
    this.dialog = new RequestDialog(
      this.screen,
      theme,
      blessed,
      options.armingDelayMs ?? ARMING_DELAY_MS,
    );
    this.controller.onChange((_state, event) => {
      if (event?.event === 'request') this.setAside.delete(event.peer);
      // A new invite is drawn in Home, the one view where it can be selected and copied whole.
      if (event?.event === 'invite' && this.controller.state.current !== null)
        this.controller.show(null);
      this.scheduleRender();
    });
    this.screen.on('keypress', (ch: string | undefined, key: KeyPress | undefined) => {
      try {
        this.key(ch, key ?? {});
      } catch (error) {
        // A bug in a key handler must not take the terminal down with it.
        const message = error instanceof Error ? error.message : String(error);
        this.controller.note(`That key could not be handled (${message}).`, true);
      }
    });
    this.screen.on('resize', () => this.renderNow());
    this.controller.start();
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref();
    this.renderNow();
  }

  /** The input model of the conversation shown. */
  currentInput(): InputModel {
    const key = this.controller.state.current ?? '';
    let model = this.inputs.get(key);
    if (model === undefined) {
      model = new InputModel();
      this.inputs.set(key, model);
    }
    return model;
  }

  /** Handles one key press (public for tests, which feed keys without a terminal). */
  key(ch: string | undefined, key: KeyPress): void {
    const full = key.full ?? key.name ?? '';
    if (full === 'C-c') {
      void this.controller.quit();
      return;
    }
    if (this.dialog.request !== undefined) {
      this.dialogKey(ch, key);
    } else if (!this.globalKey(full)) {
      this.editKey(ch, key, full);
    }
    this.renderNow();
  }

  private dialogKey(ch: string | undefined, key: KeyPress): void {
    const request = this.dialog.request!;
    const outcome = this.dialog.key(ch, key.name, this.now());
    if (outcome.kind === 'later') this.setAside.add(request.peer);
    if (outcome.kind === 'command') {
      this.setAside.add(request.peer);
      this.controller.send(outcome.command);
      if (outcome.command.cmd === 'accept') this.controller.show(request.peer);
    }
  }

  private globalKey(full: string): boolean {
    const shortcuts: Record<string, () => void> = {
      'C-n': () => this.controller.cycle(1),
      'C-p': () => this.controller.cycle(-1),
      pageup: () => this.log.scroll(-((this.log.box.height as number) - 2)),
      pagedown: () => this.log.scroll((this.log.box.height as number) - 2),
      'C-l': () => this.screen.realloc(),
    };
    const alt = /^M-(\d)$/.exec(full);
    if (alt) {
      const index = Number(alt[1]);
      const target = index === 0 ? null : this.controller.state.conversations[index - 1]?.peer;
      if (target !== undefined) this.controller.show(target);
      return true;
    }
    const action = shortcuts[full];
    action?.();
    return action !== undefined;
  }

  private editKey(ch: string | undefined, key: KeyPress, full: string): void {
    const model = this.currentInput();
    const before = model.text;
    const edits: Record<string, () => void> = {
      enter: () => this.submit(model),
      linefeed: () => this.submit(model),
      tab: () => {
        model.text = completeLine(model.text, this.controller.state);
      },
      up: () => model.previous(),
      down: () => model.next(),
      left: () => model.move(-1),
      right: () => model.move(1),
      home: () => model.home(),
      'C-a': () => model.home(),
      end: () => model.end(),
      'C-e': () => model.end(),
      backspace: () => model.backspace(),
      delete: () => model.deleteForward(),
      'C-d': () => model.deleteForward(),
      'C-w': () => model.deleteWord(),
      'C-u': () => model.deleteToStart(),
      escape: () => {},
      return: () => {}, // blessed reports Enter twice ("enter" then "return"): act once
    };
    const edit = edits[full];
    if (edit) edit();
    else if (ch !== undefined && !key.ctrl && !key.meta && !/^[\u0000-\u001f\u007f]$/.test(ch)) {
      model.insert(ch);
    }
    if (model.text !== before && full !== 'enter' && full !== 'linefeed') this.typed(model.text);
  }

  private submit(model: InputModel): void {
    const line = model.submit();
    const peer = this.controller.state.current;
    if (peer !== null) this.typing.get(peer)?.sent();
    this.controller.submit(line);
  }

  private typed(text: string): void {
    const peer = this.controller.state.current;
    if (peer === null || text.startsWith('/')) return;
    const conversation = this.controller.state.conversations.find((c) => c.peer === peer);
    if (conversation?.state !== 'connected') return;
    let tracker = this.typing.get(peer);
    if (tracker === undefined) {
      tracker = new TypingTracker();
      this.typing.set(peer, tracker);
    }
    const state = tracker.input(text, this.now());
    if (state !== undefined) this.controller.send({ cmd: 'typing', peer, state });
  }

  private tick(): void {
    for (const [peer, tracker] of this.typing) {
      const state = tracker.tick(this.now());
      if (state !== undefined) this.controller.send({ cmd: 'typing', peer, state });
    }
  }

  private scheduleRender(): void {
    if (this.renderScheduled || this.destroyed) return;
    this.renderScheduled = true;
    setImmediate(() => {
      this.renderScheduled = false;
      this.renderNow();
    });
  }

  /** Draws everything now (tests call this instead of waiting for the next tick). */
  renderNow(): void {
    if (this.destroyed) return;
    const state: UiState = this.controller.state;
    // The home log takes the whole width, so that a long invite wraps without the list's
    // column in the way of copying it; conversations show the list.
    const wide = (this.screen.width as number) >= MIN_WIDTH_FOR_LIST && state.current !== null;
    this.list.setVisible(wide);
    this.log.box.left = wide ? LIST_WIDTH : 0;
    this.list.update(state);
    this.log.update(state);
    this.status.update(state, this.log.scrolledBack());
    const request = pendingRequests(state).find((c) => !this.setAside.has(c.peer));
    this.dialog.show(request, this.now());
    const question = currentConversation(state)?.question;
    const placeholder =
      state.current === null
        ? 'type /help for commands, Ctrl-N for the next conversation'
        : question !== undefined
          ? `your answer to "${question.text}" (never sent), then Enter`
          : 'type a message and press Enter';
    const column = this.input.update(this.currentInput(), placeholder);
    this.screen.render();
    const program = this.screen.program;
    if (request === undefined) {
      program.cup((this.screen.height as number) - 1, column);
      program.showCursor();
    } else {
      program.hideCursor();
    }
  }

  /** Restores the terminal. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearInterval(this.ticker);
    this.screen.destroy();
  }

  /** Runs until the chat ends, then restores the terminal. */
  async run(): Promise<ChatEnd> {
    try {
      return await this.controller.done;
    } finally {
      this.destroy();
    }
  }
}
