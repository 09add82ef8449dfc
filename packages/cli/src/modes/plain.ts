/**
 * `--plain`: the chat as lines of text, for screen readers, logs and terminals where a
 * full-screen view is unwelcome. Lines in (text for the current friend, or slash commands),
 * lines out (`[12:03] Alice: hi`). No cursor movement, no colours unless asked for.
 * @module
 */
import type { Readable, Writable } from 'node:stream';
import type { ChatController, ChatEnd } from '../controller.js';
import { plainLine } from '../format.js';
import type { Palette } from '../palette.js';
import type { ChatLine, UiState } from '../ui-state.js';
import { runLineLoop } from './line-loop.js';

/** Streams of the plain mode. */
export interface PlainIo {
  readonly input: Readable;
  readonly output: Writable;
  readonly palette: Palette;
}

function linesSince(state: UiState, seq: number): Array<{ line: ChatLine; speaker: string }> {
  const fresh: Array<{ line: ChatLine; speaker: string }> = [];
  const collect = (lines: readonly ChatLine[], speaker: string) => {
    for (let i = lines.length - 1; i >= 0 && lines[i]!.seq >= seq; i--) {
      fresh.push({ line: lines[i]!, speaker });
    }
  };
  collect(state.home, '');
  for (const conversation of state.conversations) collect(conversation.lines, conversation.name);
  return fresh.sort((a, b) => a.line.seq - b.line.seq);
}

/** Renders one line for the plain mode, coloured through the palette. */
export function renderPlainLine(line: ChatLine, speaker: string, palette: Palette): string {
  const text = plainLine(line, speaker, false);
  if (line.kind === 'warning') return palette.red(text);
  if (line.kind === 'invite') return palette.bold(text);
  return text;
}

/** Runs the plain mode until the chat ends; resolves with how it ended. */
export function runPlain(controller: ChatController, io: PlainIo): Promise<ChatEnd> {
  let printed = controller.state.nextSeq;
  const flush = (state: UiState) => {
    for (const { line, speaker } of linesSince(state, printed)) {
      io.output.write(`${renderPlainLine(line, speaker, io.palette)}\n`);
    }
    printed = state.nextSeq;
  };
  const stop = controller.onChange(flush);
  const submitLine = (line: string) => {
    const before = controller.state.current;
    const outcome = controller.submit(line);
    if (outcome.switchTo !== undefined && controller.state.current !== before) {
      const name = controller.state.conversations.find(
        (c) => c.peer === controller.state.current,
      )?.name;
      io.output.write(name ? `Messages you type now go to ${name}.\n` : 'Back to the home log.\n');
    }
  };
  return runLineLoop(controller, io.input, io.output, submitLine).finally(stop);
}
