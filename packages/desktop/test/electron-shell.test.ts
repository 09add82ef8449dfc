import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FETCH_ELECTRON_COMMAND, locateElectron } from '../src/electron-binary.js';
import {
  ALLOWED_PERMISSIONS,
  APP_USER_MODEL_ID,
  ELECTRON_CSP,
  isAllowedExternalUrl,
  secureWebPreferences,
} from '../src/main/window-security.js';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

describe('the Electron window is locked down', () => {
  it('sandboxes the renderer, isolates the preload and gives it no Node', () => {
    expect(secureWebPreferences('/p.cjs')).toMatchObject({
      preload: '/p.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
  });

  it('has a CSP without eval, inline script or remote content', () => {
    expect(ELECTRON_CSP).toContain("default-src 'self'");
    expect(ELECTRON_CSP).toContain("connect-src 'none'");
    expect(ELECTRON_CSP).toContain("object-src 'none'");
    expect(ELECTRON_CSP).not.toMatch(/unsafe|https?:|\*/);
  });

  it('uses the installer appId as its app id (Windows notifications need them equal)', () => {
    const config = readFileSync(new URL('../electron-builder.yml', import.meta.url), 'utf8');
    expect(/^appId: (.+)$/m.exec(config)?.[1]).toBe(APP_USER_MODEL_ID);
    for (const target of ['AppImage', 'deb', 'nsis', 'dmg']) expect(config).toContain(target);
  });

  it('grants notifications and no other permission', () => {
    expect([...ALLOWED_PERMISSIONS]).toEqual(['notifications']);
  });

  const links: Array<[string, boolean]> = [
    ['https://github.com/cryptully/cryptully', true],
    ['http://github.com/', false],
    ['https://github.com.evil.example/', false],
    ['https://evil.example/?https://github.com/', false],
    ['https://user:pw@github.com/', false],
    ['https://github.com:8443/', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['not a url', false],
  ];
  it.each(links)('opens %s externally: %s', (url, allowed) => {
    expect(isAllowedExternalUrl(url)).toBe(allowed);
  });
});

describe('starting without the Electron binary', () => {
  const electronPresent = locateElectron() !== null;
  if (electronPresent) console.warn('skipped: the Electron binary is installed on this machine');
  it.skipIf(electronPresent || !existsSync(bin))(
    'prints the one command that fetches it, not a stack trace',
    () => {
      const run = spawnSync(process.execPath, [bin], { encoding: 'utf8', timeout: 10_000 });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(FETCH_ELECTRON_COMMAND);
      expect(run.stderr).toContain('pnpm desktop -- --web');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
  );

  it.skipIf(!existsSync(bin))('rejects a bad port with a sentence and exit code 2', () => {
    const run = spawnSync(process.execPath, [bin, '--web', '--port', 'lots'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--port must be a whole number');
  });
});
