/**
 * The input side shared by `--plain` and `--json`: read stdin line by line (after the start
 * command, see `ChatController.afterStart`), quit at the end of input or when stdout is closed.
 * @module
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ChatController, ChatEnd } from '../controller.js';

/**
 * Starts the controller and feeds it the lines of `input` through `onLine` until the chat
 * ends; resolves with how it ended.
 */
export function runLineLoop(
  controller: ChatController,
  input: Readable,
  output: Writable,
  onLine: (line: string) => void,
): Promise<ChatEnd> {
  // Whoever reads our output went away (a closed pipe): nobody is listening, so leave quietly.
  const readerGone = () => void controller.quit();
  output.on('error', readerGone);
  controller.start();
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  reader.on('line', (line) => controller.afterStart(() => onLine(line)));
  reader.on('close', () => controller.afterStart(() => void controller.quit()));
  return controller.done.finally(() => {
    output.off('error', readerGone);
    reader.close();
  });
}
