import { constantTimeEqual } from '@cryptully/core/crypto';

/** The only address the browser mode ever binds: loopback, never 0.0.0.0. */
export const LOOPBACK_HOST = '127.0.0.1';

const utf8 = new TextEncoder();

/** Why a request or WebSocket upgrade was refused (status and a short reason, no secrets). */
export interface Refusal {
  status: 400 | 401 | 403 | 404 | 405;
  reason: string;
}

/** The headers the guards look at, as Node gives them. */
export interface GuardedRequest {
  host?: string | undefined;
  origin?: string | undefined;
  url?: string | undefined;
}

/**
 * Checks the Host header against `127.0.0.1:PORT` exactly. A DNS-rebinding page reaches us
 * under its own host name, so anything else is refused.
 */
export function checkHost(request: GuardedRequest, port: number): Refusal | null {
  return request.host === `${LOOPBACK_HOST}:${port}`
    ? null
    : { status: 403, reason: 'wrong Host header' };
}

/** Compares two tokens in constant time (for equal lengths). */
export function tokensEqual(given: string, expected: string): boolean {
  return constantTimeEqual(utf8.encode(given), utf8.encode(expected));
}

/**
 * Decides whether a WebSocket upgrade may proceed: the Host must be `127.0.0.1:PORT`, the
 * Origin exactly `http://127.0.0.1:PORT` (so no other site, not even another local port, can
 * drive the app), the path `/ws` and the `token` query parameter one that `isValidToken`
 * accepts (the printed one-time token while unused, a tab's session token, the API token).
 * Returns null when allowed, else the refusal.
 * @example checkUpgrade({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080', url: '/ws?token=t' }, 8080, (t) => tokensEqual(t, 't')) // null
 */
export function checkUpgrade(
  request: GuardedRequest,
  port: number,
  isValidToken: (token: string) => boolean,
): Refusal | null {
  const badHost = checkHost(request, port);
  if (badHost) return badHost;
  if (request.origin !== `http://${LOOPBACK_HOST}:${port}`) {
    return { status: 403, reason: 'wrong Origin' };
  }
  const url = new URL(request.url ?? '/', `http://${LOOPBACK_HOST}:${port}`);
  if (url.pathname !== '/ws') return { status: 404, reason: 'no such endpoint' };
  const given = url.searchParams.get('token');
  if (!given) return { status: 401, reason: 'missing token' };
  if (!isValidToken(given)) return { status: 401, reason: 'wrong or already used token' };
  return null;
}
