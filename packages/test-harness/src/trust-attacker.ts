/**
 * The attacks of issue 12 on a host's trust promises, as programs: a man in the middle hunting
 * for a matching verification code (he learns the host-side code of each try and hangs up
 * when it does not match), floods of idle connections, and floods of requests. Each works on
 * any version of the protocol, so the same test measures the host before and after a fix.
 * @module
 */
import { concatBytes, fromHex, x25519 } from '@cryptully/core/crypto';
import { verificationCode } from '@cryptully/core/identity';
import { secureInitiate } from '@cryptully/core/transport';
import { hello, openRaw, type RawConnection, type Target } from './hostile-client.js';

/** What one try of the code hunter got. */
export type CodeTry =
  /** The host-side code was known after msg2 (the code depends on the handshake hash only). */
  | { learnt: true; via: 'msg2'; code: string }
  /** The host revealed its nonce in its hello: the code was known once a request was shown. */
  | { learnt: true; via: 'hello'; code: string }
  /** The host gave nothing away: refused, busy, closed, or no hello in time. */
  | { learnt: false; why: string };

/** The msg2 payload's `commit` member (64 hex digits), if the host sent one. */
function commitOf(payload: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(payload).toString('utf8')) as { commit?: unknown };
    return typeof parsed.commit === 'string' ? parsed.commit : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One try of a man in the middle against the host: a fresh key, a complete handshake (msg3
 * sent, so it never counts as a failed handshake), then whatever the host needs to tell the
 * code: nothing more when the code depends on `h` only; otherwise a hello, and the host's
 * hello with its nonce (which a fixed host sends only once the request is shown to its user).
 * Hangs up either way, as the attacker does when the code does not match.
 */
export async function tryLearnHostCode(target: Target, waitMs = 2_000): Promise<CodeTry> {
  let raw: RawConnection;
  try {
    raw = await openRaw(target);
  } catch (error) {
    return { learnt: false, why: `connect: ${(error as Error).message}` };
  }
  let commit: string | undefined;
  try {
    const channel = await secureInitiate(raw.socket, {
      staticKeyPair: x25519.generateKeyPair(),
      handshakeTimeoutMs: waitMs,
      checkResponder(_remote, payload) {
        commit = commitOf(payload);
      },
    });
    if (commit === undefined) {
      raw.socket.destroy();
      return { learnt: true, via: 'msg2', code: verificationCode(channel.handshakeHash) };
    }
    const nonce = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      channel.on('message', (bytes: Uint8Array) => {
        try {
          const message = JSON.parse(Buffer.from(bytes).toString('utf8')) as {
            t?: string;
            nonce?: unknown;
          };
          if (message.t === 'hello' && typeof message.nonce === 'string') {
            clearTimeout(timer);
            resolve(message.nonce);
          }
        } catch {}
      });
      channel.on('close', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      channel.send(Buffer.from(JSON.stringify(hello('Bob'))));
    });
    raw.socket.destroy();
    if (nonce === undefined) return { learnt: false, why: 'no host hello' };
    const code = verificationCode(concatBytes(channel.handshakeHash, fromHex(nonce)));
    return { learnt: true, via: 'hello', code };
  } catch (error) {
    raw.socket.destroy();
    return { learnt: false, why: (error as { code?: string }).code ?? 'handshake failed' };
  }
}

/** What {@link huntCodes} measured. */
export interface HuntResult {
  tries: number;
  learnt: number;
  /** Codes learnt per source address. */
  perSource: Map<string, number>;
  elapsedMs: number;
  /** Why tries learnt nothing, with counts. */
  refusals: Map<string, number>;
}

/**
 * Runs {@link tryLearnHostCode} from each of `sources` (loopback addresses), `parallel` tries
 * at once per source, for `durationMs`.
 */
export async function huntCodes(
  target: { host: string; port: number },
  sources: string[],
  durationMs: number,
  parallel = 2,
): Promise<HuntResult> {
  const result: HuntResult = {
    tries: 0,
    learnt: 0,
    perSource: new Map(),
    elapsedMs: 0,
    refusals: new Map(),
  };
  const started = performance.now();
  const until = started + durationMs;
  const worker = async (source: string) => {
    while (performance.now() < until) {
      const outcome = await tryLearnHostCode({ ...target, localAddress: source }, 1_500);
      result.tries += 1;
      if (outcome.learnt) {
        result.learnt += 1;
        result.perSource.set(source, (result.perSource.get(source) ?? 0) + 1);
      } else {
        result.refusals.set(outcome.why, (result.refusals.get(outcome.why) ?? 0) + 1);
        // A refused source: the attacker does not spin on it.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };
  await Promise.all(sources.flatMap((s) => Array.from({ length: parallel }, () => worker(s))));
  result.elapsedMs = performance.now() - started;
  return result;
}
