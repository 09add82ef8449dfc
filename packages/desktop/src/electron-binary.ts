import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The command that downloads Electron's binary (its own install script). */
export const FETCH_ELECTRON_COMMAND = 'pnpm --filter @cryptully/desktop electron:fetch';

/**
 * Where Electron's binary is, or null when it was never downloaded (the npm package's
 * postinstall is disabled in this repository, see pnpm-workspace.yaml).
 */
export function locateElectron(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** What to tell someone who started the app without the Electron binary. */
export function missingElectronMessage(): string {
  return [
    'The Electron runtime for the Cryptully desktop app is not installed yet',
    '(it is downloaded separately, once).',
    '',
    'Fetch it with:',
    `  ${FETCH_ELECTRON_COMMAND}`,
    'then start the app with:',
    '  pnpm desktop',
    '',
    'Or use Cryptully in your browser, without Electron:',
    '  pnpm desktop -- --web',
    '',
  ].join('\n');
}
