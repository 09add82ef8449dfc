/**
 * Questions on a line-based terminal (plain mode and the `id`/`peers` commands), with hidden
 * input for passphrases. The TUI asks its questions in a form of its own (`tui/prompt-form.ts`).
 * @module
 */
import type { Readable, Writable } from 'node:stream';
import { CliError } from './errors.js';

/** A terminal to ask questions on. */
export interface PromptIo {
  readonly stdin: Readable;
  readonly stderr: Writable;
}

type RawInput = Readable & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };

/**
 * Asks a question on stderr and reads one line from stdin. With `hidden`, the typed
 * characters are not echoed (for passphrases).
 * @throws {CliError} `ERR_CANCELLED` on Ctrl-C, Ctrl-D or the end of input.
 */
export function ask(
  io: PromptIo,
  question: string,
  options: { hidden?: boolean } = {},
): Promise<string> {
  const input = io.stdin as RawInput;
  const raw = input.isTTY === true && typeof input.setRawMode === 'function';
  io.stderr.write(question);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: CliError) => {
      input.off('data', onData);
      input.off('end', onEnd);
      if (raw) input.setRawMode!(false);
      input.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const cancelled = () => new CliError('ERR_CANCELLED', 'cancelled');
    const onEnd = () => finish(typed === '' ? cancelled() : undefined);
    const onData = (chunk: Buffer | string) => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003' || (char === '\u0004' && typed === '')) return finish(cancelled());
        if (char === '\u007f' || char === '\b') {
          if (typed.length > 0) {
            typed = Array.from(typed).slice(0, -1).join('');
            if (raw && !options.hidden) io.stderr.write('\b \b');
          }
          continue;
        }
        if (char < ' ') continue;
        typed += char;
        if (raw && !options.hidden) io.stderr.write(char);
      }
    };
    if (raw) input.setRawMode!(true);
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}
