import type { GroupOptions } from '../group-options.js';
import { loadEngine } from '../net/engine-api.js';
import { loadSecureApi } from '../net/secure-api.js';
import type { Figure, GroupResult } from '../report.js';
import { round } from '../stats.js';
import { raiseFdLimit, startWorker, type Worker } from '../workers/ipc.js';

/**
 * Scale: RSS growth of the host per established idle session (over 1,000 sessions, after a
 * warm-up batch) and the largest number of concurrent sessions the host held, ramping towards
 * 10,000. The host and the dialers are separate processes; the file descriptor limit of both
 * is raised with `prlimit` when allowed. References: Node's own cost per idle TCP connection,
 * and (when the engine exists) the secure channel alone, without session state.
 * @module
 */

const WANTED_FD_LIMIT = 65_536;
/** Descriptors the host keeps for itself (listener, stdio, IPC, libraries): not for sessions. */
const FD_MARGIN = 100;
/** Where the full ramp stops when the open-file limit would allow more (it takes ~8 s per 1,000). */
const RAMP_CAP = 25_000;

interface RssReply {
  type: 'rss';
  rss: number;
  /** V8 heap in use, and memory outside it (buffers), after GC. */
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  count: number;
}
interface Opened {
  type: 'opened';
  open: number;
  failed: number;
  error?: string;
}

/** One host + dialer pair of processes. */
interface Rig {
  host: Worker;
  dialer: Worker;
  port: number;
  fdLimits: { host?: number; dialer?: number };
  open(count: number): Promise<Opened>;
  rss(): Promise<RssReply>;
  stop(): Promise<void>;
}

async function startRig(
  hostScript: string,
  hostArgs: string[],
  dialerMode: string,
  options: GroupOptions,
): Promise<Rig | string> {
  const host = startWorker(hostScript, hostArgs, options.workerExecArgv);
  const dialer = startWorker('scale-dialer', [dialerMode], options.workerExecArgv);
  const stop = async () => {
    await Promise.all([host.stop(), dialer.stop()]);
  };
  const fdLimits = {
    host: raiseFdLimit(host.child.pid!, WANTED_FD_LIMIT),
    dialer: raiseFdLimit(dialer.child.pid!, WANTED_FD_LIMIT),
  };
  const ready = await Promise.race([
    host.next<{ type: 'ready'; port: number }>('ready'),
    host.next<{ type: 'unavailable'; reason: string }>('unavailable'),
  ]);
  if (ready.type === 'unavailable') {
    await stop();
    return ready.reason;
  }
  await dialer.next('ready');
  return {
    host,
    dialer,
    port: ready.port,
    fdLimits,
    async open(count) {
      dialer.send({ type: 'open', count, port: ready.port });
      return dialer.next<Opened>('opened');
    },
    async rss() {
      host.send({ type: 'rss' });
      return host.next<RssReply>('rss');
    },
    stop,
  };
}

/** RSS growth per connection over `measured` connections, after `warmup` ones. */
async function rssPerConnection(
  rig: Rig,
  warmup: number,
  measured: number,
): Promise<{ kib: number; before: RssReply; after: RssReply; failed: number; error?: string }> {
  await rig.open(warmup);
  const before = await rig.rss();
  const opened = await rig.open(measured);
  const after = await rig.rss();
  const grown = after.count - before.count;
  return {
    kib: grown > 0 ? (after.rss - before.rss) / grown / 1024 : Number.NaN,
    before,
    after,
    failed: opened.failed,
    ...(opened.error ? { error: opened.error } : {}),
  };
}

function perSessionFigure(
  id: string,
  label: string,
  result: Awaited<ReturnType<typeof rssPerConnection>>,
  extra: Partial<Figure> = {},
): Figure {
  const grown = result.after.count - result.before.count;
  return {
    id,
    group: 'scale',
    label,
    value: round(result.kib, 3),
    unit: 'KiB RSS each',
    better: 'lower',
    details: {
      connections: grown,
      rssBeforeMiB: round(result.before.rss / 2 ** 20),
      rssAfterMiB: round(result.after.rss / 2 ** 20),
      // Where the growth is: the JS heap, and buffers outside it (Node's external memory).
      heapKiBEach: round((result.after.heapUsed - result.before.heapUsed) / grown / 1024, 3),
      externalKiBEach: round((result.after.external - result.before.external) / grown / 1024, 3),
      failed: result.failed,
    },
    ...extra,
  };
}

/** Runs the scale group. */
export async function runScaleGroup(options: GroupOptions): Promise<GroupResult> {
  const started = Date.now();
  const figures: Figure[] = [];
  const notes: string[] = [];
  // The first connections also grow the allocator's arenas (memory that later connections
  // reuse): a warm-up as large as the measured batch keeps that out of the per-session figure.
  const warmup = options.quick ? 200 : 1000;
  const measured = options.quick ? 200 : 1000;
  // The full ramp aims at the host's open-file limit (issue 15), known once the rig runs.
  let target = options.quick ? 1000 : 10_000;
  const step = options.quick ? 250 : 1000;

  const engine = options.fallback ? 'not used with --fallback' : await loadEngine();
  const api = await loadSecureApi(options.fallback);
  const linkMode = api.kind === 'channel' ? 'secure' : 'fallback';
  const main =
    typeof engine === 'string'
      ? { script: 'scale-host', args: [linkMode], dialer: linkMode, what: 'secure link' }
      : {
          script: 'chat-host',
          args: [String(RAMP_CAP + warmup + FD_MARGIN)],
          dialer: 'engine',
          what: 'ChatNode session',
        };
  if (typeof engine === 'string') {
    notes.push(
      `scale: measured secure links (channel state only), not ChatNode sessions: ${engine}`,
    );
  }

  const rig = await startRig(main.script, main.args, main.dialer, options);
  if (typeof rig === 'string') {
    notes.push(`scale: not measured: ${rig}`);
    return { group: 'scale', figures, notes, durationMs: Date.now() - started };
  }
  if (!options.quick && rig.fdLimits.host !== undefined) {
    target = Math.min(rig.fdLimits.host - FD_MARGIN, RAMP_CAP);
    if (rig.fdLimits.host - FD_MARGIN > RAMP_CAP) {
      notes.push(
        `scale: the ramp stops at ${RAMP_CAP.toLocaleString('en-US')} (the open-file limit would allow more)`,
      );
    }
  }
  options.progress(
    `scale: ${main.what}s, RSS over ${measured} after ${warmup}, then towards ${target}`,
  );
  try {
    const raised = (rig.fdLimits.host ?? 0) >= WANTED_FD_LIMIT;
    notes.push(
      `scale: open-files limit host ${rig.fdLimits.host ?? '?'}, dialers ${rig.fdLimits.dialer ?? '?'}: ` +
        (raised
          ? `raised to ${WANTED_FD_LIMIT} with prlimit`
          : `raising it to ${WANTED_FD_LIMIT} with prlimit was not allowed here, so one host ` +
            `can hold at most about ${(rig.fdLimits.host ?? 0) - 50} connections`),
    );
    const perSession = await rssPerConnection(rig, warmup, measured);
    figures.push(
      perSessionFigure(
        'scale.rss-per-session',
        typeof engine === 'string'
          ? `host RSS per idle ${api.kind === 'channel' ? 'channel' : 'Noise-frame'} link`
          : 'host RSS per idle ChatNode session (session state included)',
        perSession,
        {
          reference: 'scale.rss-per-tcp',
          ...(perSession.error ? { note: `${perSession.failed} failed: ${perSession.error}` } : {}),
        },
      ),
    );
    // Ramp towards the target, stopping at the first batch with failures.
    let held = (await rig.rss()).count;
    let failure: string | undefined;
    const rampStart = Date.now();
    while (held < target && failure === undefined) {
      options.progress(`scale: ${held} ${main.what}s held`);
      const opened = await rig.open(Math.min(step, target - held));
      held = (await rig.rss()).count;
      if (opened.failed > 0) failure = `${opened.failed} failed: ${opened.error ?? 'unknown'}`;
    }
    const final = await rig.rss();
    const rampGrown = final.count - perSession.after.count;
    figures.push({
      id: 'scale.max-sessions',
      group: 'scale',
      label: `concurrent ${main.what}s one host held`,
      value: final.count,
      unit: 'sessions',
      better: 'higher',
      details: {
        tried: target,
        hostRssMiB: round(final.rss / 2 ** 20),
        rampSeconds: round((Date.now() - rampStart) / 1000, 3),
        ...(rampGrown > 0
          ? { rssKiBEachOverRamp: round((final.rss - perSession.after.rss) / rampGrown / 1024, 3) }
          : {}),
        ...(rig.fdLimits.host ? { hostFdLimit: rig.fdLimits.host } : {}),
      },
      note: failure
        ? `stopped: ${failure}`
        : `stopped at the ${target.toLocaleString('en-US')} aimed for, with no failure (not a limit found)`,
    });
  } finally {
    await rig.stop();
  }

  if (typeof engine !== 'string') {
    options.progress('scale: secure links alone (no session), for the breakdown');
    const links = await startRig('scale-host', [linkMode], linkMode, options);
    if (typeof links !== 'string') {
      try {
        const result = await rssPerConnection(links, warmup, measured);
        figures.push(
          perSessionFigure(
            'scale.rss-per-link',
            'host RSS per idle channel link (no session)',
            result,
            {
              reference: 'scale.rss-per-tcp',
            },
          ),
        );
      } finally {
        await links.stop();
      }
    }
  }

  options.progress('scale: raw TCP connections (reference)');
  const raw = await startRig('scale-host', ['raw'], 'raw', options);
  if (typeof raw !== 'string') {
    try {
      const result = await rssPerConnection(raw, warmup, measured);
      figures.push(
        perSessionFigure(
          'scale.rss-per-tcp',
          "host RSS per idle TCP connection (Node's own cost)",
          result,
          {
            isReference: true,
          },
        ),
      );
    } finally {
      await raw.stop();
    }
  }
  return { group: 'scale', figures, notes, durationMs: Date.now() - started };
}
