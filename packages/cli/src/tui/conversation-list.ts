/**
 * The list of conversations on the left: Home first, then one row per friend with a state
 * mark and the number of unread messages; the one shown is highlighted.
 * @module
 */
import type blessed from 'blessed';
import type { ConnectionState, Conversation, UiState } from '../ui-state.js';
import type { Theme } from './theme.js';

/** Width of the list, border included. */
export const LIST_WIDTH = 22;

const STATE_MARKS: Record<ConnectionState, string> = {
  connecting: '…',
  waiting: '…',
  request: '?',
  connected: '●',
  disconnected: '○',
};

/** One row of the list as plain text (without tags), e.g. `1 ● Bob (2)`. */
export function listRow(index: number, conversation: Conversation): string {
  const unread = conversation.unread > 0 ? ` (${conversation.unread})` : '';
  const warning = conversation.verification === 'key-changed' ? ' !' : '';
  return `${index} ${STATE_MARKS[conversation.state]} ${conversation.name}${warning}${unread}`;
}

/** The conversation list widget. */
export class ConversationList {
  readonly box: blessed.Widgets.BoxElement;
  private readonly separator: blessed.Widgets.LineElement;

  constructor(
    parent: blessed.Widgets.Screen,
    private readonly theme: Theme,
    blessedModule: typeof blessed,
  ) {
    this.box = blessedModule.box({
      parent,
      top: 0,
      left: 0,
      bottom: 2,
      tags: true,
      // blessed reserves all four sides for any border, so the separator is a line of its own.
      width: LIST_WIDTH - 1,
      padding: { left: 1 },
    });
    this.separator = blessedModule.line({
      parent,
      orientation: 'vertical',
      top: 0,
      left: LIST_WIDTH - 1,
      bottom: 2,
      style: { fg: theme.colour ? 'gray' : undefined },
    });
  }

  /** Shows or hides the list with its separator. */
  setVisible(visible: boolean): void {
    for (const element of [this.box, this.separator]) {
      if (visible) element.show();
      else element.hide();
    }
  }

  /** Draws the list for `state`. */
  update(state: UiState): void {
    const width = LIST_WIDTH - 3; // less the padding and the separator
    const fit = (text: string) =>
      Array.from(text).length > width
        ? `${Array.from(text)
            .slice(0, width - 1)
            .join('')}…`
        : text;
    const rows = [
      this.row(fit('0   Home'), state.current === null, false),
      ...state.conversations.map((conversation, index) =>
        this.row(
          fit(listRow(index + 1, conversation)),
          state.current === conversation.peer,
          conversation.unread > 0 || conversation.state === 'request',
        ),
      ),
      '',
      this.theme.paint('gray', 'Ctrl-N/P: switch'),
      this.theme.paint('gray', '/help: commands'),
    ];
    this.box.setContent(rows.join('\n'));
  }

  private row(text: string, selected: boolean, attention: boolean): string {
    if (selected) return `{inverse}${this.theme.text(text)}{/inverse}`;
    return attention ? this.theme.bold(text) : this.theme.text(text);
  }
}
