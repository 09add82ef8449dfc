import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { CellContext, is } from '../../cell-context.js';
import type { EventOf } from '../../drivers/driver.js';
import { removeTempHomes } from '../../drivers/factories.js';
import { killAllChildren } from '../../drivers/ndjson-process-driver.js';
import { rssBytes } from '../../rss.js';
import { connectPair } from '../../scenarios.js';
import type { GroupOptions } from '../group-options.js';
import type { Figure, GroupResult } from '../report.js';
import { round } from '../stats.js';

/**
 * Files: one file (512 MiB; 64 MiB with `--quick`) between two processes on loopback, timed from
 * the receiver's accept to its `file-done` (hash checked, file renamed), with both processes'
 * resident memory sampled; beside magic-wormhole (Debian `magic-wormhole`, with its mailbox
 * server and transit relay from `python3-magic-wormhole-mailbox-server` and
 * `magic-wormhole-transit-relay`, all on 127.0.0.1), timed from `wormhole receive` to its exit,
 * and `scp` to localhost through an OpenSSH server of its own (Debian `openssh-server`, run on a
 * free port with its own keys). A missing tool is a note.
 *
 * The three take turns for {@link ROUNDS} rounds, each received copy deleted after its round, and
 * each figure is its median round: writing a new file into the page cache cost 0.1 s of kernel
 * time in one run and 1.2 s in the next on the same VM (dd of 512 MiB), which decided a single
 * round's winner more than the tools did.
 * @module
 */

const MIB = 2 ** 20;
/** Alternating rounds of the three (one with `--quick`). */
const ROUNDS = 3;

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function makeFile(path: string, size: number): Promise<string> {
  const handle = await open(path, 'w');
  const hash = createHash('sha256');
  const block = Buffer.alloc(MIB);
  for (let offset = 0; offset < size; offset += MIB) {
    for (let i = 0; i < MIB; i += 4096) block.writeUInt32BE((offset + i) >>> 0, i);
    const part = block.subarray(0, Math.min(MIB, size - offset));
    hash.update(part);
    await handle.write(part);
  }
  await handle.close();
  return hash.digest('hex');
}

/** Debian names Twisted's runner `twist3`; elsewhere it is `twist`. */
const TWIST = ['twist3', 'twist'];

const has = (command: string) =>
  spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** Runs a command to its end; resolves with the milliseconds it took. */
function timed(command: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(performance.now() - start)
        : reject(new Error(`${command} ${args[0]} exited with ${code}: ${stderr.slice(-300)}`)),
    );
  });
}

/** Waits until `port` on 127.0.0.1 accepts a connection (a server just started). */
async function listeningOn(port: number, ms = 15_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

async function cryptullyFigure(
  file: string,
  sha256: string,
  size: number,
  out: string,
): Promise<Figure> {
  const ctx = new CellContext('cli', 'cli');
  try {
    const pair = await connectPair(ctx, 'address');
    const { host, joiner, hostPeer, joinerPeer } = pair;
    const mark = host.events.length;
    await joiner.send({ cmd: 'send-file', peer: joinerPeer, path: file });
    const offer = await host.waitFor<EventOf<'file-offer'>>(is('file-offer'), { from: mark });
    let peakHost = 0;
    let peakJoiner = 0;
    const sample = setInterval(() => {
      if (host.pid) peakHost = Math.max(peakHost, rssBytes(host.pid));
      if (joiner.pid) peakJoiner = Math.max(peakJoiner, rssBytes(joiner.pid));
    }, 200);
    const start = performance.now();
    await host.send({ cmd: 'accept-file', peer: hostPeer, id: offer.id, dir: out });
    const done = await host.waitFor<EventOf<'file-done'>>(is('file-done', { id: offer.id }), {
      from: mark,
      timeoutMs: 600_000,
    });
    const ms = performance.now() - start;
    clearInterval(sample);
    rmSync(done.path, { force: true });
    if (done.sha256 !== sha256) throw new Error('the received file has another SHA-256');
    return {
      id: 'files.cryptully',
      group: 'files',
      label: `send a ${size / MIB} MiB file, CLI to CLI (accept to hash checked)`,
      value: round(size / 1e6 / (ms / 1000)),
      unit: 'MB/s',
      better: 'higher',
      reference: 'files.magic-wormhole',
      details: {
        seconds: round(ms / 1000),
        peakRssReceiverMiB: round(peakHost / MIB),
        peakRssSenderMiB: round(peakJoiner / MIB),
      },
    };
  } finally {
    await ctx.cleanup();
    killAllChildren();
    removeTempHomes();
  }
}

async function wormholeFigure(
  twist: string,
  file: string,
  size: number,
  work: string,
): Promise<Figure> {
  const [mailboxPort, transitPort] = [await freePort(), await freePort()];
  const servers: ChildProcess[] = [
    spawn(twist, ['wormhole-mailbox', `--port=tcp:${mailboxPort}:interface=127.0.0.1`], {
      cwd: work,
      stdio: 'ignore',
    }),
    spawn(twist, ['transitrelay', `--port=tcp:${transitPort}:interface=127.0.0.1`], {
      cwd: work,
      stdio: 'ignore',
    }),
  ];
  try {
    await listeningOn(mailboxPort);
    await listeningOn(transitPort);
    const common = [
      '--relay-url',
      `ws://127.0.0.1:${mailboxPort}/v1`,
      '--transit-helper',
      `tcp:127.0.0.1:${transitPort}`,
    ];
    const code = '7-purple-sausage';
    const sender = spawn('wormhole', [...common, 'send', '--code', code, file], {
      cwd: work,
      stdio: 'ignore',
    });
    const ms = await timed(
      'wormhole',
      [...common, 'receive', '--accept-file', '--output-file', join(work, 'wormhole.out'), code],
      work,
    );
    sender.kill();
    rmSync(join(work, 'wormhole.out'), { force: true });
    return {
      id: 'files.magic-wormhole',
      group: 'files',
      label: `the same file with magic-wormhole (local mailbox and transit relay)`,
      value: round(size / 1e6 / (ms / 1000)),
      unit: 'MB/s',
      better: 'higher',
      isReference: true,
      details: { seconds: round(ms / 1000) },
    };
  } finally {
    for (const server of servers) server.kill();
  }
}

/** Starts an OpenSSH server on 127.0.0.1 for this user only (own host key, own key pair). */
async function startSshd(
  work: string,
): Promise<{ child: ChildProcess; port: number; key: string }> {
  const dir = mkdtempSync(join(work, 'ssh-'));
  const hostKey = join(dir, 'host_ed25519');
  const key = join(dir, 'id_ed25519');
  for (const path of [hostKey, key]) {
    const made = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
    if (made.status !== 0) throw new Error('ssh-keygen failed');
  }
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${key}.pub`));
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      // scp speaks SFTP since OpenSSH 9.
      'Subsystem sftp internal-sftp',
      `PidFile ${join(dir, 'sshd.pid')}`,
      '',
    ].join('\n'),
  );
  // sshd wants its privilege-separation folder even when it runs as one user.
  mkdirSync('/run/sshd', { recursive: true });
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: 'ignore' });
  await listeningOn(port);
  return { child, port, key };
}

const SSHD = '/usr/sbin/sshd';

async function scpFigure(file: string, size: number, work: string): Promise<Figure> {
  const sshd = await startSshd(work);
  try {
    const ms = await timed(
      'scp',
      [
        '-q',
        '-i',
        sshd.key,
        '-P',
        String(sshd.port),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        file,
        `${userInfo().username}@127.0.0.1:${join(work, 'scp.out')}`,
      ],
      work,
    );
    rmSync(join(work, 'scp.out'), { force: true });
    return {
      id: 'files.scp',
      group: 'files',
      label: 'the same file with scp to localhost (OpenSSH, ed25519 keys)',
      value: round(size / 1e6 / (ms / 1000)),
      unit: 'MB/s',
      better: 'higher',
      isReference: true,
      details: { seconds: round(ms / 1000) },
    };
  } finally {
    sshd.child.kill();
  }
}

/**
 * One figure from its rounds: the median round's (the lower middle one of an even count), with
 * every round's value beside it; peak memory is the highest of all rounds.
 */
function medianRound(rounds: readonly Figure[]): Figure {
  const sorted = [...rounds].sort((a, b) => a.value - b.value);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const details: Record<string, number> = { ...middle.details, rounds: rounds.length };
  for (const key of ['peakRssReceiverMiB', 'peakRssSenderMiB']) {
    if (key in details) details[key] = Math.max(...rounds.map((f) => f.details?.[key] ?? 0));
  }
  if (rounds.length > 1) {
    details.slowestRound = sorted[0]!.value;
    details.fastestRound = sorted.at(-1)!.value;
  }
  return { ...middle, details };
}

/** Runs the files group. */
export async function runFilesGroup(options: GroupOptions): Promise<GroupResult> {
  const started = performance.now();
  const size = (options.quick ? 64 : 512) * MIB;
  const rounds = options.quick ? 1 : ROUNDS;
  const work = mkdtempSync(join(tmpdir(), 'cryptully-bench-files-'));
  const runs = new Map<string, Figure[]>();
  const notes: string[] = [];
  const twist = TWIST.find(has);
  const wormhole = has('wormhole') && twist !== undefined;
  const scp = existsSync(SSHD) && has('scp') && has('ssh-keygen');
  if (!wormhole) {
    notes.push(
      'magic-wormhole skipped: install magic-wormhole, python3-magic-wormhole-mailbox-server and magic-wormhole-transit-relay',
    );
  }
  if (!scp) notes.push('scp skipped: install openssh-server and openssh-client');
  const keep = (figure: Figure) => runs.set(figure.id, [...(runs.get(figure.id) ?? []), figure]);
  const failed = new Set<string>();
  try {
    const file = join(work, 'payload.bin');
    const sha256 = await makeFile(file, size);
    const out = mkdtempSync(join(work, 'in-'));
    for (let round = 1; round <= rounds; round += 1) {
      const of = rounds > 1 ? `, round ${round}/${rounds}` : '';
      options.progress(`files: cryptully, ${size / MIB} MiB${of}`);
      keep(await cryptullyFigure(file, sha256, size, out));
      if (wormhole && !failed.has('wormhole')) {
        options.progress(`files: magic-wormhole, ${size / MIB} MiB${of}`);
        try {
          keep(await wormholeFigure(twist!, file, size, work));
        } catch (error) {
          failed.add('wormhole');
          notes.push(`magic-wormhole failed: ${(error as Error).message}`);
        }
      }
      if (scp && !failed.has('scp')) {
        options.progress(`files: scp to localhost, ${size / MIB} MiB${of}`);
        try {
          keep(await scpFigure(file, size, work));
        } catch (error) {
          failed.add('scp');
          notes.push(`scp failed: ${(error as Error).message}`);
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (rounds > 1) {
    notes.push(
      `${rounds} alternating rounds (Cryptully, magic-wormhole, scp), each copy deleted after its round; each figure is its median round (details: slowestRound, fastestRound)`,
    );
  }
  const figures = [...runs.values()].map(medianRound);
  return { group: 'files', figures, notes, durationMs: performance.now() - started };
}
