/**
 * The single executable's main module: the `cryptully` CLI, plus `cryptully app` (the desktop
 * app in the default browser, with its pages unpacked from the executable).
 * @module
 */
import { main, provideBrowserApp } from '@cryptully/cli';
import { embeddedFolder } from './runtime.js';

provideBrowserApp(async (io) => {
  // Loaded only for `cryptully app`: the other commands start without the desktop back end.
  const { startBrowserApp } = await import('@cryptully/desktop');
  await startBrowserApp({
    rendererDir: embeddedFolder('renderer'),
    openBrowser: true,
    env: io.env,
    stdin: io.stdin as NodeJS.ReadableStream & { isTTY?: boolean },
    stdout: io.stdout,
    stderr: io.stderr,
  });
});

void main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
  // Everything is closed by now; should a stray handle keep the process alive, do not hang.
  setTimeout(() => process.exit(status), 2000).unref();
});
