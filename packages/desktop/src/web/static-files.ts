import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The files of the built renderer that the browser mode serves, and nothing else. */
export const STATIC_FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
};

/**
 * The Content-Security-Policy of the browser mode: only our own files, no eval, no inline
 * script, no remote content; the WebSocket only back to this server.
 */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Security headers sent with every response of the browser mode. */
export function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
    'Cache-Control': 'no-store',
  };
}

/** A served file's bytes and type. */
export interface StaticFile {
  body: Buffer;
  type: string;
}

/**
 * Reads the renderer's files once, at start.
 * @throws when `index.html` or `app.js` is missing (the renderer was not built).
 */
export async function loadStaticFiles(dir: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  for (const [path, { file, type }] of Object.entries(STATIC_FILES)) {
    try {
      files.set(path, { body: await readFile(join(dir, file)), type });
    } catch (error) {
      if (file === 'index.html' || file === 'app.js') throw error;
    }
  }
  return files;
}
