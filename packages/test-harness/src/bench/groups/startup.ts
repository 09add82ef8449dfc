import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoPath } from '../../drivers/paths.js';
import type { GroupOptions } from '../group-options.js';
import type { Figure, GroupResult } from '../report.js';
import { median, msSince, round } from '../stats.js';

/**
 * Start-up: wall time of `cryptully --version` (median of several runs) beside a bare
 * `node -e ""`, and the time for the terminal UI to draw its first screen and to show the
 * invite, in a real terminal (tmux), when tmux is installed. The same for the Linux single
 * executable (`release/cryptully-linux-x64`) in the same run when it is built, with the size
 * of every executable in `release/`.
 * @module
 */

/** The CLI's entry point, or undefined when the CLI is not built. */
function cliBin(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const bin = join(dirname(require.resolve('@cryptully/cli/package.json')), 'dist', 'bin.js');
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** The built single executables in release/ (name and path). */
function releaseBinaries(): Array<{ name: string; path: string }> {
  const dir = repoPath('release');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.startsWith('cryptully-') && !name.endsWith('.tmp'))
    .map((name) => ({ name, path: join(dir, name) }));
}

function timeSpawn(
  args: string[],
  runs: number,
  env: NodeJS.ProcessEnv = process.env,
  command = process.execPath,
): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(command, args, { stdio: 'ignore', env });
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited with ${result.status}`);
    samples.push(msSince(start));
  }
  return samples;
}

function startupFigure(
  id: string,
  label: string,
  samples: number[],
  extra: Partial<Figure> = {},
): Figure {
  return {
    id,
    group: 'startup',
    label,
    value: round(median(samples), 3),
    unit: 'ms median',
    better: 'lower',
    details: {
      minMs: round(Math.min(...samples), 3),
      maxMs: round(Math.max(...samples), 3),
      runs: samples.length,
    },
    ...extra,
  };
}

const hasTmux = () => spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

/**
 * Starts `cryptully host` in a fresh tmux session and polls the screen: resolves with the
 * milliseconds until anything is drawn and until the invite is shown.
 */
async function tuiTimes(launch: string, home: string, socket: string, run: number) {
  const session = `bench-${run}`;
  const command = `CRYPTULLY_HOME=${home} NCURSES_NO_UTF8_ACS=1 ${launch} host --bind 127.0.0.1 --port 0`;
  const start = process.hrtime.bigint();
  execFileSync('tmux', [
    '-L',
    socket,
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '120',
    '-y',
    '40',
    command,
  ]);
  let firstDraw: number | undefined;
  try {
    while (msSince(start) < 15_000) {
      const screen = execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', session], {
        encoding: 'utf8',
      });
      if (firstDraw === undefined && screen.trim() !== '') firstDraw = msSince(start);
      if (screen.includes('cryptully://join/'))
        return { firstDraw: firstDraw!, invite: msSince(start) };
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('the terminal UI showed no invite within 15 s');
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-session', '-t', session], { stdio: 'ignore' });
  }
}

/** Runs the start-up group. */
export async function runStartupGroup(options: GroupOptions): Promise<GroupResult> {
  const started = Date.now();
  const runs = options.quick ? 3 : 11;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const bin = cliBin();
  options.progress('startup: node -e "" (reference)');
  figures.push(
    startupFigure('startup.node', 'bare `node -e ""`', timeSpawn(['-e', ''], runs), {
      isReference: true,
    }),
  );
  if (!bin) {
    notes.push(
      'startup: @cryptully/cli is not built (packages/cli/dist/bin.js missing); not measured',
    );
    return { group: 'startup', figures, notes, durationMs: Date.now() - started };
  }
  options.progress('startup: cryptully --version');
  figures.push(
    startupFigure('startup.version', '`cryptully --version`', timeSpawn([bin, '--version'], runs), {
      reference: 'startup.node',
    }),
  );
  const executables = releaseBinaries();
  for (const file of executables) {
    figures.push({
      id: `size.${file.name.replace(/\.exe$/, '')}`,
      group: 'startup',
      label: `size of release/${file.name}`,
      value: round(statSync(file.path).size / 1048576, 3),
      unit: 'MiB',
      better: 'lower',
    });
  }
  const linuxBinary = executables.find((file) => file.name === 'cryptully-linux-x64')?.path;
  if (linuxBinary && process.platform === 'linux' && process.arch === 'x64') {
    options.progress('startup: release/cryptully-linux-x64 --version');
    figures.push(
      startupFigure(
        'startup.binary-version',
        '`release/cryptully-linux-x64 --version` (single executable)',
        timeSpawn(['--version'], runs, process.env, linuxBinary),
        { reference: 'startup.version' },
      ),
    );
  } else {
    notes.push(
      'startup: release/cryptully-linux-x64 is not built (pnpm build:binaries); not measured',
    );
  }
  if (!hasTmux()) {
    notes.push('startup: tmux is not installed; the time to the first TUI screen was not measured');
    return { group: 'startup', figures, notes, durationMs: Date.now() - started };
  }
  options.progress('startup: terminal UI in tmux (first screen, invite shown)');
  const home = mkdtempSync(join(tmpdir(), 'cryptully-bench-home-'));
  const socket = `cryptully-bench-${process.pid}`;
  try {
    const env = { ...process.env, CRYPTULLY_HOME: home, CRYPTULLY_PASSPHRASE: '' };
    execFileSync(process.execPath, [bin, 'id', 'create', '--name', 'Bench'], {
      env,
      stdio: 'ignore',
    });
    // A server session first, so that starting tmux itself is not counted.
    execFileSync('tmux', ['-L', socket, 'new-session', '-d', '-s', 'idle', 'sleep 600']);
    const draws: number[] = [];
    const invites: number[] = [];
    for (let run = 0; run < Math.min(runs, 5); run++) {
      const times = await tuiTimes(`${process.execPath} ${bin}`, home, socket, run);
      draws.push(times.firstDraw);
      invites.push(times.invite);
    }
    if (linuxBinary && process.platform === 'linux' && process.arch === 'x64') {
      options.progress("startup: the single executable's terminal UI in tmux");
      const binaryDraws: number[] = [];
      for (let run = 0; run < Math.min(runs, 5); run++) {
        binaryDraws.push((await tuiTimes(linuxBinary, home, socket, 100 + run)).firstDraw);
      }
      figures.push(
        startupFigure(
          'startup.binary-tui-first-screen',
          'TUI first screen of release/cryptully-linux-x64 (tmux 120x40)',
          binaryDraws,
          { reference: 'startup.tui-first-screen' },
        ),
      );
    }
    figures.push(
      startupFigure(
        'startup.tui-first-screen',
        'TUI first screen (`cryptully host` in tmux 120x40)',
        draws,
        {
          reference: 'startup.node',
        },
      ),
      startupFigure('startup.tui-invite', 'TUI listening with the invite on screen', invites, {
        reference: 'startup.node',
      }),
    );
    notes.push(
      'startup: TUI times include the tmux spawn and are read by polling the screen every ~5 ms',
    );
  } catch (error) {
    notes.push(`startup: TUI not measured: ${(error as Error).message}`);
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
  return { group: 'startup', figures, notes, durationMs: Date.now() - started };
}
