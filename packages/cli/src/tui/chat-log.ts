/**
 * The chat log: the lines of the conversation shown (or the home log), with times, names in
 * colour and delivery marks. Scrolls to the newest line unless the person scrolled up.
 * @module
 */
import type blessed from 'blessed';
import { DELIVERY_MARKS, formatTime } from '../format.js';
import type { ChatLine, UiState } from '../ui-state.js';
import { currentConversation } from '../ui-state.js';
import type { Theme } from './theme.js';

/** Lines drawn at most (older ones stay in the view-model). */
const DRAWN_LINES = 500;

/** Renders one line as blessed tags. */
export function renderLogLine(
  line: ChatLine,
  speaker: string,
  peer: string | null,
  theme: Theme,
): string {
  const time = theme.paint('gray', formatTime(line.at));
  const body = (text: string) => theme.text(text).replace(/\n/g, '\n      ');
  switch (line.kind) {
    case 'in':
      return `${time} ${theme.paint(theme.nameColour(peer), speaker, true)}: ${body(line.text)}`;
    case 'out': {
      const mark = line.delivery ? DELIVERY_MARKS[line.delivery] : '';
      const markColour =
        line.delivery === 'undelivered' ? 'red' : line.delivery === 'delivered' ? 'green' : 'gray';
      return `${time} ${theme.paint('green', 'You', true)}: ${body(line.text)} ${theme.paint(markColour, mark)}`;
    }
    case 'invite':
      // On a line of its own, without time or indent, so that selecting it copies the invite.
      return theme.bold(line.text);
    case 'warning':
      return `${time} ${theme.paint('red', line.text, true)}`;
    case 'request':
      return `${time} ${theme.paint('yellow', line.text, true)}`;
    default:
      return `${time} ${body(line.text)}`;
  }
}

/** The chat log widget. */
export class ChatLog {
  readonly box: blessed.Widgets.BoxElement;
  private shown: string | null | undefined;

  constructor(
    parent: blessed.Widgets.Screen,
    private readonly theme: Theme,
    blessedModule: typeof blessed,
  ) {
    this.box = blessedModule.box({
      parent,
      top: 0,
      left: 0,
      right: 0,
      bottom: 2,
      tags: true,
      scrollable: true,
      alwaysScroll: true,
      wrap: true,
      padding: { left: 1, right: 1 },
    });
  }

  /** Draws the lines of the conversation shown in `state`. */
  update(state: UiState): void {
    const conversation = currentConversation(state);
    const lines = conversation ? conversation.lines : state.home;
    const speaker = conversation?.name ?? '';
    const peer = conversation?.peer ?? null;
    const atBottom =
      this.shown !== state.current ||
      this.box.getScrollPerc() >= 100 ||
      this.box.getScrollHeight() <= (this.box.height as number);
    this.shown = state.current;
    this.box.setContent(
      lines
        .slice(-DRAWN_LINES)
        .map((line) => renderLogLine(line, speaker, peer, this.theme))
        .join('\n'),
    );
    if (atBottom) this.box.setScrollPerc(100);
  }

  /** Scrolls by a number of rows (negative: back in time). */
  scroll(rows: number): void {
    this.box.scroll(rows);
  }
}
