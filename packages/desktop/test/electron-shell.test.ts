import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
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

describe('the bundled preload (dist/preload/preload.cjs)', () => {
  const bundle = fileURLToPath(new URL('../dist/preload/preload.cjs', import.meta.url));
  if (!existsSync(bundle)) console.warn('skipped: the preload is not built (pnpm build)');

  it.skipIf(!existsSync(bundle))(
    'requires nothing but electron (a sandboxed preload cannot load other modules)',
    () => {
      const required = [...readFileSync(bundle, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map(
        (m) => m[1],
      );
      expect([...new Set(required)]).toEqual(['electron']);
    },
  );

  it.skipIf(!existsSync(bundle))(
    'exposes only send/onEvent/pathForFile/reveal on window.cryptully, validating both ways',
    () => {
      // Load the real bundle with a stand-in for the two electron objects it uses.
      const sent: unknown[][] = [];
      const handlers = new Map<string, (event: unknown, raw: unknown) => void>();
      let exposed: { key: string; api: Record<string, (...args: never[]) => unknown> } | undefined;
      const fakeElectron = {
        contextBridge: {
          exposeInMainWorld: (key: string, api: Record<string, (...args: never[]) => unknown>) => {
            exposed = { key, api };
          },
        },
        ipcRenderer: {
          send: (...args: unknown[]) => sent.push(args),
          on: (channel: string, fn: (event: unknown, raw: unknown) => void) =>
            handlers.set(channel, fn),
          removeListener: () => {},
        },
        webUtils: { getPathForFile: (file: { name: string }) => `/home/ada/${file.name}` },
      };
      const loader = Module as unknown as {
        _load: (request: string, ...rest: unknown[]) => unknown;
      };
      const original = loader._load;
      loader._load = function (request: string, ...rest: unknown[]) {
        return request === 'electron' ? fakeElectron : original.call(this, request, ...rest);
      };
      const warn = console.warn;
      console.warn = () => {};
      try {
        createRequire(import.meta.url)(bundle);
        expect(exposed?.key).toBe('cryptully');
        expect(Object.keys(exposed!.api).sort()).toEqual([
          'onEvent',
          'pathForFile',
          'reveal',
          'send',
        ]);
        const api = exposed!.api as unknown as {
          send(command: unknown): void;
          onEvent(fn: (event: unknown) => void): () => void;
          pathForFile(file: unknown): string;
          reveal(request: unknown): void;
        };
        // Electron's webUtils gives a dropped file's path; reveal names a transfer, not a path.
        expect(api.pathForFile({ name: 'a.txt' })).toBe('/home/ada/a.txt');
        expect(() => api.reveal({ action: 'exec', peer: 'p', id: 'i' })).toThrow(
          expect.objectContaining({ code: 'ERR_BAD_COMMAND' }),
        );
        const seen: unknown[] = [];
        api.onEvent((event) => seen.push(event));
        handlers.get('cryptully:event')!({}, { event: 'delivered', peer: 'p', id: 'i', x: 1 });
        handlers.get('cryptully:event')!({}, { event: 'bogus' });
        expect(seen).toEqual([{ event: 'delivered', peer: 'p', id: 'i' }]);
        api.send({ cmd: 'peers' });
        expect(() => api.send({ cmd: 'nope' })).toThrow(
          expect.objectContaining({ code: 'ERR_BAD_COMMAND' }),
        );
        api.reveal({ action: 'show', peer: 'p', id: 'i', path: '/etc' });
        expect(sent).toEqual([
          ['cryptully:subscribe'],
          ['cryptully:command', { cmd: 'peers' }],
          ['cryptully:reveal', { action: 'show', peer: 'p', id: 'i' }],
        ]);
      } finally {
        loader._load = original;
        console.warn = warn;
      }
    },
  );
});
