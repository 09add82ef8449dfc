/**
 * The chat log: the lines of the conversation shown (or the home log), with times, names in
 * colour and delivery marks. Scrolls to the newest line unless the person scrolled up.
 * @module
 */
import type blessed from 'blessed';
import { DELIVERY_MARKS, formatTime } from '../format.js';
import type { ChatLine, UiState } from '../ui-state.js';
import { currentConversation } from '../ui-state.js';
import { stringWidth } from './text-width.js';
import type { Theme } from './theme.js';
import { wrapColumns } from './wrap.js';

/** Lines drawn at most (older ones stay in the view-model). */
const DRAWN_LINES = 500;

/** Continuation lines start under the message, after the time (`12:03 `). */
const INDENT = 6;

type Paint = (text: string) => string;

/**
 * Lays out `text` after a prefix of `prefixWidth` columns: the first line continues the
 * prefix, the others are indented by {@link INDENT}; each piece painted with `paint`.
 */
function hanging(text: string, prefixWidth: number, width: number, paint: Paint): string {
  const lines = wrapColumns(text, width - prefixWidth, width - INDENT);
  return lines.map((piece, i) => (i === 0 ? '' : ' '.repeat(INDENT)) + paint(piece)).join('\n');
}

/**
 * Renders one line as blessed tags, wrapped to `width` columns with continuation lines indented
 * under the message.
 */
export function renderLogLine(
  line: ChatLine,
  speaker: string,
  peer: string | null,
  theme: Theme,
  width = Number.POSITIVE_INFINITY,
): string {
  const timeText = formatTime(line.at);
  const time = theme.paint('gray', timeText);
  const plain: Paint = (text) => theme.text(text);
  switch (line.kind) {
    case 'in': {
      const prefix = `${timeText} ${speaker}: `;
      const name = theme.paint(theme.nameColour(peer), speaker, true);
      return `${time} ${name}: ${hanging(line.text, stringWidth(prefix), width, plain)}`;
    }
    case 'out': {
      const mark = line.delivery ? DELIVERY_MARKS[line.delivery] : '';
      const markColour =
        line.delivery === 'undelivered' ? 'red' : line.delivery === 'delivered' ? 'green' : 'gray';
      const prefix = `${timeText} You: `;
      // The mark wraps with the text, and is painted on its own.
      const body = hanging(`${line.text} ${mark}`, stringWidth(prefix), width, plain);
      const marked = mark
        ? `${body.slice(0, -theme.text(mark).length)}${theme.paint(markColour, mark)}`
        : body;
      return `${time} ${theme.paint('green', 'You', true)}: ${marked}`;
    }
    case 'invite':
      // On a line of its own, without time or indent, so that selecting it copies the invite.
      return theme.bold(line.text);
    case 'warning':
      return `${time} ${hanging(line.text, INDENT, width, (t) => theme.paint('red', t, true))}`;
    case 'request':
      return `${time} ${hanging(line.text, INDENT, width, (t) => theme.paint('yellow', t, true))}`;
    default:
      return `${time} ${hanging(line.text, INDENT, width, plain)}`;
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
    // Inside the padding, less one column: blessed wraps a line that fills the width exactly.
    const width = Math.max(10, (this.box.width as number) - 3);
    this.box.setContent(
      lines
        .slice(-DRAWN_LINES)
        .map((line) => renderLogLine(line, speaker, peer, this.theme, width))
        .join('\n'),
    );
    if (atBottom) this.box.setScrollPerc(100);
  }

  /** Whether the person scrolled back, so newer lines are out of sight. */
  scrolledBack(): boolean {
    return (
      this.box.getScrollHeight() > (this.box.height as number) && this.box.getScrollPerc() < 100
    );
  }

  /** Scrolls by a number of rows (negative: back in time). */
  scroll(rows: number): void {
    this.box.scroll(rows);
  }
}
