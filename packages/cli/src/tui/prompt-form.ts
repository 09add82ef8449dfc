/**
 * A question in the middle of the full screen, for the first run (your name, a passphrase)
 * and for unlocking a protected identity. Enter answers, Esc or Ctrl-C cancels.
 * @module
 */
import blessed from 'blessed';
import { InputModel } from './input-model.js';
import { stringWidth } from './text-width.js';
import type { Theme } from './theme.js';
import { wrappedRows } from './wrap.js';

/** One question. */
export interface FormQuestion {
  readonly title: string;
  /** Explanations shown above the input, one paragraph each. */
  readonly lines: readonly string[];
  /** Show typed characters as `•` (passphrases). */
  readonly hidden?: boolean;
  /** The answer to start with. */
  readonly initial?: string;
  /** Returns a sentence saying what is wrong with an answer, or undefined to accept it. */
  readonly check?: (answer: string) => string | undefined;
}

/** Asks `question` on `screen`; resolves with the answer, or `null` when cancelled. */
export function askInScreen(
  screen: blessed.Widgets.Screen,
  theme: Theme,
  question: FormQuestion,
): Promise<string | null> {
  const model = new InputModel();
  if (question.initial) model.text = question.initial;
  let problem = '';
  const width = Math.min(76, (screen.width as number) - 2);
  const box = blessed.box({
    parent: screen,
    top: 'center',
    left: 'center',
    width,
    height: 12,
    tags: true,
    border: { type: 'line' },
    style: theme.style('dialog'),
    label: ` ${question.title} `,
    padding: { left: 1, right: 1 },
  });
  const draw = () => {
    const room = width - 6;
    const view = model.view(room);
    const shown = question.hidden
      ? '•'.repeat(Array.from(model.text).length).slice(-room)
      : view.text;
    const body = [
      ...question.lines.map((line) => theme.text(line)),
      '',
      `${theme.bold('> ')}${theme.text(shown)}`,
      problem
        ? theme.paint('red', problem, true)
        : theme.paint('gray', 'Enter: continue   Esc: cancel'),
    ];
    box.setContent(body.join('\n'));
    // Rows the text takes once wrapped inside the border and padding, plus the border itself.
    const rows = wrappedRows([...question.lines, '', '', ''], width - 4);
    box.height = Math.min((screen.height as number) - 2, rows + 2);
    screen.render();
  };
  return new Promise((resolve) => {
    const onKey = (
      ch: string | undefined,
      key: { full?: string; ctrl?: boolean; meta?: boolean } = {},
    ) => {
      const full = key.full ?? '';
      if (full === 'C-c' || full === 'escape') return done(null);
      if (full === 'enter') {
        const answer = model.text.trim();
        problem = question.check?.(answer) ?? '';
        if (!problem) return done(question.hidden ? model.text : answer);
      } else if (full === 'backspace') model.backspace();
      else if (full === 'left') model.move(-1);
      else if (full === 'right') model.move(1);
      else if (ch !== undefined && !key.ctrl && !key.meta && !/^[\u0000-\u001f\u007f]$/.test(ch)) {
        model.insert(ch);
      }
      draw();
    };
    const onResize = () => draw();
    const done = (answer: string | null) => {
      screen.removeListener('keypress', onKey);
      screen.removeListener('resize', onResize);
      box.destroy();
      screen.render();
      resolve(answer);
    };
    screen.on('keypress', onKey);
    screen.on('resize', onResize);
    draw();
  });
}

/**
 * Shows a one-line notice in the middle of the screen while something slow runs (deriving a
 * key from a passphrase takes seconds); returns the function that removes it.
 */
export function showNotice(screen: blessed.Widgets.Screen, theme: Theme, text: string): () => void {
  const box = blessed.box({
    parent: screen,
    top: 'center',
    left: 'center',
    width: Math.min(stringWidth(text) + 4, (screen.width as number) - 2),
    height: 3,
    border: { type: 'line' },
    style: theme.style('dialog'),
    content: text,
    padding: { left: 1 },
  });
  screen.render();
  return () => {
    box.destroy();
    screen.render();
  };
}
