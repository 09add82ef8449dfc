/**
 * `cryptully host` and `cryptully join`: prepare the identity, open the chat node, and run
 * one of the three front ends (TUI, `--plain`, `--json`) until the chat ends.
 * @module
 */
import { parseJoinTarget } from '@cryptully/core/identity';
import type { ChatNodeApi } from '@cryptully/core/protocol';
import { type ChatCommand, CryptullyError } from '@cryptully/core/protocol';
import { cryptullyHome } from '@cryptully/core/storage';
import {
  type DhtSettings,
  dhtSettings,
  portMappingWanted,
  raiseOpenFileLimit,
} from '@cryptully/core/transport';
import type blessed from 'blessed';
import { type ParsedArgs, type ParsedOptions, parseArgs } from '../args/parse-args.js';
import { lineAsker, screenAsker } from '../askers.js';
import { ChatController, type ChatEnd } from '../controller.js';
import { CliError, userMessage } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { runJson } from '../modes/json.js';
import { runPlain } from '../modes/plain.js';
import { type ChatIdentity, NOBODY, prepareIdentity } from '../onboarding.js';
import { colorWanted, createPalette } from '../palette.js';
import { onSignals } from '../signals.js';
import { TuiApp } from '../tui/app.js';
import { askHomeChoice } from '../tui/home-screen.js';
import { askInScreen, showNotice } from '../tui/prompt-form.js';
import { createScreen } from '../tui/screen.js';
import { createTheme } from '../tui/theme.js';
import { VERSION } from '../version.js';

/** The three ways to show a chat. */
export type ChatMode = 'tui' | 'plain' | 'json';

/** Which front end a command line asks for: the TUI needs a terminal on stdin and stdout. */
export function chooseMode(parsed: ParsedArgs, io: CliIo): ChatMode {
  if (parsed.options.json) return 'json';
  if (parsed.options.plain || !io.interactive) return 'plain';
  return 'tui';
}

/** The first command of the chat: host or join. */
export function startCommand(parsed: ParsedArgs): ChatCommand {
  if (parsed.command.id === 'host') {
    const { port, bind } = parsed.options;
    return {
      cmd: 'host',
      ...(port === undefined ? {} : { port }),
      ...(bind === undefined ? {} : { bind }),
      ...(parsed.options['invites-only'] ? { invitesOnly: true } : {}),
    };
  }
  // As typed: core's parseJoinTarget ignores the spaces and line breaks a pasted invite picks
  // up, and those around an address.
  return { cmd: 'join', target: parsed.args[0]! };
}

/**
 * Checks what follows `join` (invite or address syntax, an invite's expiry) before anything
 * else happens, so that a bad invite costs no identity, no question and no connection. Text
 * with no `:` that is no address may be a known peer's name ("Bob Smith"): the chat node
 * decides.
 * @returns the problem as a {@link CliError} with core's code and sentence, or null when fine.
 */
export function joinTargetProblem(target: string, now: number): CliError | null {
  try {
    parseJoinTarget(target, { now });
    return null;
  } catch (error) {
    if (!(error instanceof CryptullyError)) throw error;
    if (error.code === 'ERR_BAD_ADDRESS' && !target.includes(':')) return null;
    return new CliError(error.code, error.message);
  }
}

/**
 * Timing overrides for tests (the interop harness shortens them to see timeouts quickly):
 * option of `ChatNode.open` and its environment variable, in milliseconds.
 */
const TIMING_ENV = {
  keepAliveMs: 'CRYPTULLY_KEEPALIVE_MS',
  idleTimeoutMs: 'CRYPTULLY_IDLE_TIMEOUT_MS',
  handshakeTimeoutMs: 'CRYPTULLY_HANDSHAKE_TIMEOUT_MS',
  portMappingLeaseMs: 'CRYPTULLY_PORT_MAPPING_LEASE_MS',
} as const;

type TimingOptions = Partial<Record<keyof typeof TIMING_ENV, number>>;

/**
 * The timing overrides set in `env`.
 * @throws {CliError} for a value that is not a positive whole number.
 */
export function timingOptions(env: NodeJS.ProcessEnv): TimingOptions {
  const options: TimingOptions = {};
  for (const option of Object.keys(TIMING_ENV) as Array<keyof typeof TIMING_ENV>) {
    const name = TIMING_ENV[option];
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) {
      throw new CliError(
        'ERR_BAD_ENV',
        `${name} must be a whole number of milliseconds, not "${raw}"`,
      );
    }
    options[option] = value;
  }
  return options;
}

/**
 * Reads `--no-dht`, `--bootstrap`/`CRYPTULLY_BOOTSTRAP`, `--relay`/`CRYPTULLY_RELAY` and
 * `CRYPTULLY_NO_DHT` (core's {@link dhtSettings}, which the desktop app shares).
 * @returns undefined when the DHT is off.
 * @throws `ERR_BAD_BOOTSTRAP` or `ERR_BAD_RELAY` for values that cannot be right.
 */
export function dhtChoice(options: ParsedOptions, env: NodeJS.ProcessEnv): DhtSettings | undefined {
  return dhtSettings(
    {
      ...(options['no-dht'] ? { noDht: true } : {}),
      ...(options.bootstrap !== undefined ? { bootstrap: options.bootstrap } : {}),
      ...(options.relay !== undefined ? { relay: options.relay } : {}),
    },
    env,
  );
}

/**
 * The network options of a command line: the DHT ({@link dhtChoice}) and whether to ask the
 * router to forward the host's port (unless `--no-port-mapping` or `CRYPTULLY_NO_PORT_MAPPING`).
 */
export function networkChoice(
  options: ParsedOptions,
  env: NodeJS.ProcessEnv,
): { dht?: DhtSettings; portMapping: boolean } {
  const dht = dhtChoice(options, env);
  return {
    ...(dht ? { dht } : {}),
    portMapping: !options['no-port-mapping'] && portMappingWanted(env),
  };
}

/** Opens the engine's chat node (imported lazily: `--help` must not load the engine). */
async function openNode(
  identity: ChatIdentity,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  network: { dht?: DhtSettings; portMapping: boolean },
): Promise<ChatNodeApi> {
  const timing = timingOptions(env);
  const { ChatNode } = await import('@cryptully/core/engine');
  try {
    return await ChatNode.open({
      home: identity.home,
      name: identity.name,
      passphrase: identity.passphrase,
      clientName: 'cryptully-cli',
      clientVersion: VERSION,
      ...timing,
      ...network,
      log,
    });
  } catch (error) {
    throw new CliError('ERR_OPEN', userMessage(error).replace(/\.$/, ''));
  }
}

function finish(end: ChatEnd, io: CliIo): ExitCode {
  if (end.message)
    io.stderr.write(`cryptully: ${userMessage(new CliError('ERR_CHAT', end.message))}\n`);
  return end.exitCode;
}

async function runTui(
  parsed: ParsedArgs,
  io: CliIo,
  given?: blessed.Widgets.Screen,
): Promise<ExitCode> {
  const theme = createTheme(colorWanted(io.env));
  const screen = given ?? createScreen({ input: io.stdin, output: io.stdout });
  let app: TuiApp | undefined;
  // A bug must not leave the terminal in full-screen raw mode: restore it, then say so.
  const crash = (error: unknown) => {
    if (app) app.destroy();
    else screen.destroy();
    io.stderr.write(`cryptully: ${userMessage(error)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  try {
    const identity = await prepareIdentity(
      cryptullyHome(io.env),
      parsed.options,
      io.env,
      screenAsker(screen, theme),
    );
    // The full screen leaves no room for diagnostics: CRYPTULLY_DEBUG sends them to stderr.
    const log = io.env.CRYPTULLY_DEBUG ? (line: string) => io.stderr.write(`${line}\n`) : () => {};
    const hide = showNotice(
      screen,
      theme,
      identity.passphrase ? 'Unlocking your key…' : 'Starting…',
    );
    const node = await openNode(
      identity,
      io.env,
      log,
      networkChoice(parsed.options, io.env),
    ).finally(hide);
    const controller = new ChatController(node);
    app = new TuiApp({ screen, controller, theme });
    const stop = onSignals(() => void controller.quit());
    controller.begin(startCommand(parsed));
    const end = await app.run().finally(stop);
    return finish(end, io);
  } finally {
    process.off('uncaughtException', crash);
    process.off('unhandledRejection', crash);
    if (app) app.destroy();
    else screen.destroy();
  }
}

async function runLines(parsed: ParsedArgs, io: CliIo, mode: 'plain' | 'json'): Promise<ExitCode> {
  const asker = mode === 'plain' && io.interactive ? lineAsker(io) : NOBODY;
  const identity = await prepareIdentity(cryptullyHome(io.env), parsed.options, io.env, asker);
  if (identity.note) io.stderr.write(`${identity.note}\n`);
  const debug = mode === 'json' || Boolean(io.env.CRYPTULLY_DEBUG);
  const log = debug ? (line: string) => io.stderr.write(`[cryptully] ${line}\n`) : () => {};
  const node = await openNode(identity, io.env, log, networkChoice(parsed.options, io.env));
  // --json prints events as they are: it has no screen, so no view-model to keep.
  const controller = new ChatController(node, Date.now, { viewModel: mode !== 'json' });
  const stop = onSignals(() => void controller.quit());
  const running =
    mode === 'json'
      ? runJson(controller, { input: io.stdin, output: io.stdout })
      : runPlain(controller, {
          input: io.stdin,
          output: io.stdout,
          palette: createPalette(colorWanted(io.env) && io.interactive),
        });
  controller.begin(startCommand(parsed));
  const end = await running.finally(stop);
  return finish(end, io);
}

/**
 * `cryptully` alone in a terminal: the home screen asks "Host a chat" or "Join a chat" (and
 * for a join, the invite), then the chat runs on the same screen. Without a terminal it shows
 * the help instead, as before.
 */
export async function homeCommand(io: CliIo): Promise<ExitCode | null> {
  if (!io.interactive) return null;
  const theme = createTheme(colorWanted(io.env));
  const screen = createScreen({ input: io.stdin, output: io.stdout });
  let handedOver = false;
  try {
    const choice = await askHomeChoice(screen, theme);
    if (choice === null) return EXIT.ok;
    let argv = ['host'];
    if (choice === 'join') {
      const target = await askInScreen(screen, theme, {
        title: 'Join a chat',
        lines: [
          'Paste the invite your friend sent you (it starts with cryptully://join/), ' +
            'or their address as host:port.',
        ],
        check: (answer) =>
          answer === ''
            ? 'Paste the invite first.'
            : joinTargetProblem(answer, Date.now())?.message,
      });
      if (target === null) return EXIT.ok;
      argv = ['join', target];
    }
    handedOver = true;
    return await runTui(parseArgs(argv), io, screen);
  } finally {
    if (!handedOver) screen.destroy();
  }
}

/**
 * Runs `cryptully host` or `cryptully join` in the mode the command line asks for. A join
 * target that cannot work fails first, with one sentence (and in `--json` its `error` event).
 */
export async function chatCommand(parsed: ParsedArgs, io: CliIo): Promise<ExitCode> {
  const mode = chooseMode(parsed, io);
  const start = startCommand(parsed);
  dhtChoice(parsed.options, io.env); // a bad --bootstrap or --relay fails before anything else
  const problem = start.cmd === 'join' ? joinTargetProblem(start.target, Date.now()) : null;
  if (problem) {
    if (mode === 'json') {
      const event = { event: 'error', code: problem.code, message: problem.message };
      io.stdout.write(`${JSON.stringify(event)}\n`);
    }
    throw problem;
  }
  if (start.cmd === 'host') {
    // Every friend is one open file: raise the soft limit where the OS allows, else say so.
    const { warning } = raiseOpenFileLimit();
    if (warning) io.stderr.write(`cryptully: ${warning}.\n`);
  }
  return mode === 'tui' ? runTui(parsed, io) : runLines(parsed, io, mode);
}
