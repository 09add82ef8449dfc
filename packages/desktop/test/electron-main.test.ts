/**
 * The Electron main process, wired to a stand-in for the `electron` module (the binary cannot
 * be downloaded here, see docs/architecture.md). Protects the shell's security wiring: the window's
 * settings, what the app:// protocol serves, denied navigation and windows, the link
 * allowlist, the permission handlers, and that IPC from anything but our renderer is ignored.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type Handler = (...args: never[]) => unknown;
const fake = vi.hoisted(() => {
  const appHandlers = new Map<string, Handler>();
  const ipcHandlers = new Map<string, Handler>();
  const windows: Array<{
    options: Record<string, unknown>;
    webContents: { sent: unknown[][] } & Record<string, unknown>;
    loaded: string[];
  }> = [];
  const state = {
    privileged: [] as unknown[],
    protocolHandler: undefined as undefined | ((request: Request) => Response),
    permissionRequest: undefined as undefined | Handler,
    permissionCheck: undefined as undefined | Handler,
    opened: [] as string[],
    revealed: [] as string[],
  };
  class FakeBrowserWindow {
    readonly webContents = {
      sent: [] as unknown[][],
      send(...args: unknown[]) {
        this.sent.push(args);
      },
    };
    readonly loaded: string[] = [];
    constructor(readonly options: Record<string, unknown>) {
      windows.push(this as never);
    }
    once() {}
    on() {}
    show() {}
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    async loadURL(url: string) {
      this.loaded.push(url);
    }
  }
  const electron = {
    app: {
      on: (name: string, fn: Handler) => appHandlers.set(name, fn),
      requestSingleInstanceLock: () => true,
      whenReady: async () => {},
      quit: () => {},
      exit: () => {},
      setAppUserModelId: () => {},
    },
    BrowserWindow: FakeBrowserWindow,
    ipcMain: { on: (channel: string, fn: Handler) => ipcHandlers.set(channel, fn) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => state.privileged.push(...schemes),
      handle: (_scheme: string, fn: (request: Request) => Response) => {
        state.protocolHandler = fn;
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Handler) => {
          state.permissionRequest = fn;
        },
        setPermissionCheckHandler: (fn: Handler) => {
          state.permissionCheck = fn;
        },
      },
    },
    shell: {
      openExternal: async (url: string) => {
        state.opened.push(url);
      },
      openPath: async (path: string) => {
        state.revealed.push(`open ${path}`);
        return '';
      },
      showItemInFolder: (path: string) => {
        state.revealed.push(`show ${path}`);
      },
    },
  };
  return { electron, appHandlers, ipcHandlers, windows, state };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

const mainJs = fileURLToPath(new URL('../dist/main/main.js', import.meta.url));
const built = existsSync(mainJs) && existsSync(new URL('../dist/renderer/app.js', import.meta.url));
if (!built) console.warn('skipped: the desktop app is not built (pnpm build)');
const savedHome = process.env.CRYPTULLY_HOME;

beforeAll(async () => {
  if (!built) return;
  process.env.CRYPTULLY_HOME = mkdtempSync(join(tmpdir(), 'cryptully-electron-main-'));
  await import(/* @vite-ignore */ mainJs);
  for (let i = 0; i < 200 && fake.windows[0]?.loaded.length !== 1; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});
afterAll(() => {
  if (savedHome === undefined) delete process.env.CRYPTULLY_HOME;
  else process.env.CRYPTULLY_HOME = savedHome;
});

describe.skipIf(!built)('Electron main process (with a stand-in electron module)', () => {
  it('opens one locked-down window on app://cryptully', () => {
    expect(fake.windows).toHaveLength(1);
    const window = fake.windows[0]!;
    expect(window.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webviewTag: false,
      preload: expect.stringMatching(/preload\.cjs$/),
    });
    expect(window.loaded).toEqual(['app://cryptully/index.html']);
    expect(fake.state.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true } },
    ]);
  });

  it('serves only the renderer files, with its CSP', async () => {
    const serve = fake.state.protocolHandler!;
    const page = serve(new Request('app://cryptully/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await page.text()).toLowerCase()).toContain('<!doctype html>');
    for (const url of [
      'app://cryptully/../package.json',
      'app://cryptully/main/main.js',
      'app://elsewhere/index.html',
    ]) {
      expect(serve(new Request(url)).status, url).toBe(404);
    }
  });

  it('denies navigation, webviews and new windows; opens only allowlisted links outside', () => {
    const listeners = new Map<string, (event: { preventDefault(): void }) => void>();
    let openHandler: ((details: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (name: string, fn: (event: { preventDefault(): void }) => void) =>
        listeners.set(name, fn),
      setWindowOpenHandler: (fn: typeof openHandler) => {
        openHandler = fn;
      },
    };
    (fake.appHandlers.get('web-contents-created') as (e: unknown, c: unknown) => void)(
      {},
      contents,
    );
    for (const name of ['will-navigate', 'will-attach-webview']) {
      const preventDefault = vi.fn();
      listeners.get(name)!({ preventDefault });
      expect(preventDefault, name).toHaveBeenCalled();
    }
    expect(openHandler!({ url: 'https://github.com/cryptully' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(fake.state.opened).toEqual(['https://github.com/cryptully']);
  });

  it('grants notifications only', () => {
    const decide = (permission: string) =>
      new Promise<boolean>((resolve) =>
        (
          fake.state.permissionRequest as (c: unknown, p: string, cb: (ok: boolean) => void) => void
        )({}, permission, resolve),
      );
    return Promise.all([decide('notifications'), decide('media'), decide('geolocation')]).then(
      (answers) => {
        expect(answers).toEqual([true, false, false]);
        const check = fake.state.permissionCheck as (c: unknown, p: string) => boolean;
        expect([check({}, 'notifications'), check({}, 'clipboard-read')]).toEqual([true, false]);
      },
    );
  });

  it('bridges IPC only from its own renderer, validating commands', () => {
    const window = fake.windows[0]!;
    const subscribe = fake.ipcHandlers.get('cryptully:subscribe') as (event: unknown) => void;
    const command = fake.ipcHandlers.get('cryptully:command') as (e: unknown, raw: unknown) => void;
    const ours = { sender: window.webContents, senderFrame: { url: 'app://cryptully/index.html' } };
    const stranger = { sender: {}, senderFrame: { url: 'https://evil.example/' } };

    subscribe(stranger);
    expect(window.webContents.sent).toEqual([]);
    subscribe(ours);
    expect(window.webContents.sent[0]).toEqual([
      'cryptully:event',
      { event: 'app-state', state: 'setup' },
    ]);
    command(ours, { cmd: 'rm', args: '-rf' });
    expect(window.webContents.sent.at(-1)).toEqual([
      'cryptully:event',
      expect.objectContaining({ event: 'error', code: 'ERR_BAD_COMMAND' }),
    ]);
    const before = window.webContents.sent.length;
    command(stranger, { cmd: 'rm', args: '-rf' });
    expect(window.webContents.sent.length).toBe(before);
  });

  it('opens or shows only files this app received, asked only by its own renderer', async () => {
    const window = fake.windows[0]!;
    const reveal = fake.ipcHandlers.get('cryptully:reveal') as (e: unknown, raw: unknown) => void;
    const ours = { sender: window.webContents, senderFrame: { url: 'app://cryptully/index.html' } };
    const stranger = { sender: {}, senderFrame: { url: 'https://evil.example/' } };
    const before = window.webContents.sent.length;
    reveal(stranger, { action: 'open', peer: 'p', id: 'i' });
    expect(window.webContents.sent.length).toBe(before);
    reveal(ours, { action: 'exec', peer: 'p', id: 'i' });
    expect(window.webContents.sent.at(-1)).toEqual([
      'cryptully:event',
      expect.objectContaining({ event: 'error', code: 'ERR_BAD_COMMAND' }),
    ]);
    // A path smuggled in is dropped; a transfer this app did not receive has no file to open.
    reveal(ours, { action: 'open', peer: 'p', id: 'i', path: '/etc/passwd' });
    for (let i = 0; i < 100 && window.webContents.sent.length < before + 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(window.webContents.sent.at(-1)).toEqual([
      'cryptully:event',
      {
        event: 'error',
        code: 'ERR_BAD_COMMAND',
        message: 'Only files received in this session can be opened from here.',
      },
    ]);
    expect(fake.state.revealed).toEqual([]);
  });
});
