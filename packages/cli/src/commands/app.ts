/**
 * `cryptully app`: the desktop app in the person's web browser. The browser app (the desktop
 * back end, its web server and the built renderer) is not part of this npm package: whoever
 * bundles both, such as the single executable, hands it in with {@link provideBrowserApp}.
 * Without it the command says in one sentence where to get it.
 * @module
 */
import { CliError } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';

/** Starts the browser app and resolves once it is serving (it then runs until Ctrl+C). */
export type BrowserAppStarter = (io: CliIo) => Promise<void>;

let starter: BrowserAppStarter | undefined;

/** Makes `cryptully app` run `start` (called once, before `main`, by a bundle that has it). */
export function provideBrowserApp(start: BrowserAppStarter): void {
  starter = start;
}

/** Runs `cryptully app`. */
export async function appCommand(io: CliIo): Promise<ExitCode> {
  if (starter === undefined) {
    throw new CliError(
      'ERR_NO_BROWSER_APP',
      'the browser app is not part of this install: use the single-file download of cryptully, ' +
        'or run "pnpm desktop -- --web" in a clone of the repository',
    );
  }
  try {
    await starter(io);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE')
      throw new CliError('ERR_ADDRESS_IN_USE', 'that port is already in use');
    throw error;
  }
  // The server keeps the process alive until Ctrl+C, which exits on its own.
  await new Promise<never>(() => {});
  return EXIT.ok;
}
