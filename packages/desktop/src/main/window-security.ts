import type { WebPreferences } from 'electron';

/** The custom scheme the renderer is loaded from (a standard, secure origin; never file://). */
export const APP_SCHEME = 'app';
/** The app's id for the OS (notifications on Windows); the same as electron-builder's appId. */
export const APP_USER_MODEL_ID = 'org.cryptully.desktop';
/** The host part of the renderer's URLs. */
export const APP_HOST = 'cryptully';
/** The renderer's origin under {@link APP_SCHEME}. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The window's web preferences: the renderer is sandboxed, isolated from the preload, has no
 * Node and cannot open webviews; only the preload bridge crosses into the app.
 */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: true,
  };
}

/**
 * The Electron renderer's Content-Security-Policy: our own files only, no eval, no inline
 * script, no network at all (the app talks to its back end over IPC, not HTTP).
 */
export const ELECTRON_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Hosts whose https links may be opened in the user's browser (help and source pages). */
export const EXTERNAL_LINK_HOSTS: ReadonlySet<string> = new Set(['github.com']);

/**
 * True when `url` may be handed to the system browser: https only, no credentials, a host
 * on {@link EXTERNAL_LINK_HOSTS}. Everything else (file:, javascript:, other hosts) is refused.
 * @example isAllowedExternalUrl('https://github.com/cryptully') // true
 */
export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'https:' &&
    parsed.username === '' &&
    parsed.password === '' &&
    parsed.port === '' &&
    EXTERNAL_LINK_HOSTS.has(parsed.hostname)
  );
}

/** Permissions a renderer may get: notifications for new messages, nothing else. */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications']);
