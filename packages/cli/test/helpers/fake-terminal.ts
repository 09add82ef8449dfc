import { PassThrough, Writable } from 'node:stream';
import type blessed from 'blessed';
import { ChatController } from '../../src/controller.js';
import { TuiApp } from '../../src/tui/app.js';
import { createScreen, screenText } from '../../src/tui/screen.js';
import { createTheme } from '../../src/tui/theme.js';
import { AT, ScriptedNode } from './scripted-node.js';

/** An output stream that looks like a terminal of a given size and swallows the bytes. */
export class FakeTerminalOutput extends Writable {
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super({ write: (_chunk, _encoding, callback) => callback() });
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

/** A TUI on a fake terminal, driven by a scripted node; read it with `lines()`. */
export function startTui(columns = 100, rows = 24, colour = true) {
  const node = new ScriptedNode();
  let now = AT;
  const controller = new ChatController(node, () => now);
  const output = new FakeTerminalOutput(columns, rows);
  const screen: blessed.Widgets.Screen = createScreen({
    input: new PassThrough(),
    output,
    terminal: 'xterm',
  });
  const app = new TuiApp({
    screen,
    controller,
    theme: createTheme(colour),
    now: () => now,
    armingDelayMs: 0,
  });
  const lines = () => {
    app.renderNow();
    return screenText(screen);
  };
  const type = (text: string) => {
    for (const ch of text) app.key(ch, { name: ch, full: ch });
  };
  const press = (full: string, ch?: string) =>
    app.key(ch, {
      name: full.replace(/^[CM]-/, ''),
      full,
      ctrl: full.startsWith('C-'),
      meta: full.startsWith('M-'),
    });
  const advance = (ms: number) => {
    now += ms;
  };
  return {
    node,
    controller,
    app,
    screen,
    output,
    lines,
    type,
    press,
    advance,
    text: () => lines().join('\n'),
  };
}
