/**
 * `--json`: newline-delimited JSON for scripts, bots and interop tests. Every event of the
 * node is one line on stdout, exactly as core's `ChatEvent`; every line on stdin is a
 * `ChatCommand` read by core's `parseCommandLine`. Nothing else goes to stdout. A malformed
 * line yields an `error` event; the end of stdin quits cleanly.
 * @module
 */
import type { Readable, Writable } from 'node:stream';
import { type ChatEvent, errorCodeOf, parseCommandLine } from '@cryptully/core/protocol';
import type { ChatController, ChatEnd } from '../controller.js';
import { runLineLoop } from './line-loop.js';

/** Streams of the JSON mode. */
export interface JsonIo {
  readonly input: Readable;
  readonly output: Writable;
}

/** Writes one event as one line of JSON. */
export function writeEvent(output: Writable, event: ChatEvent): void {
  output.write(`${JSON.stringify(event)}\n`);
}

/** Handles one line of input: a command for the node, `quit`, or an `error` event. */
export function handleJsonLine(line: string, controller: ChatController, output: Writable): void {
  if (line.trim() === '') return;
  try {
    const command = parseCommandLine(line);
    if (command.cmd === 'quit') void controller.quit();
    else controller.send(command);
  } catch (error) {
    writeEvent(output, {
      event: 'error',
      code: errorCodeOf(error) ?? 'ERR_BAD_COMMAND',
      message: error instanceof Error ? error.message : 'malformed command',
    });
  }
}

/** Runs the JSON mode until the chat ends; resolves with how it ended. */
export function runJson(controller: ChatController, io: JsonIo): Promise<ChatEnd> {
  const stop = controller.onChange((_state, event) => {
    if (event !== undefined) writeEvent(io.output, event);
  });
  return runLineLoop(controller, io.input, io.output, (line) =>
    handleJsonLine(line, controller, io.output),
  ).finally(stop);
}
