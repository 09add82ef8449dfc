/**
 * The input line at the bottom: draws an {@link InputModel} after a prompt and places the
 * terminal cursor in it, scrolling sideways when the text is wider than the screen.
 * @module
 */
import type blessed from 'blessed';
import type { InputModel } from './input-model.js';
import type { Theme } from './theme.js';

const PROMPT = '> ';

/** The input line widget. */
export class InputLine {
  readonly box: blessed.Widgets.BoxElement;

  constructor(
    parent: blessed.Widgets.Screen,
    private readonly theme: Theme,
    blessedModule: typeof blessed,
  ) {
    this.box = blessedModule.box({ parent, bottom: 0, left: 0, right: 0, height: 1, tags: true });
  }

  /** Draws the model; returns the screen column of the cursor. */
  update(model: InputModel, placeholder: string): number {
    const width = (this.box.width as number) - PROMPT.length;
    const { text, cursorColumn } = model.view(width);
    const shown = text === '' ? this.theme.paint('gray', placeholder) : this.theme.text(text);
    this.box.setContent(`${this.theme.bold(PROMPT)}${shown}`);
    return PROMPT.length + cursorColumn;
  }
}
