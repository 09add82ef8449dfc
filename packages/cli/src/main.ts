/**
 * The `cryptully` command: parses the command line against the table in `args/commands.ts`
 * and runs the matching handler. Every failure a person can cause ends as one sentence on
 * stderr and a documented exit status (see `exit-codes.ts`), never a stack trace.
 * @module
 */
import { type CommandId, commandById } from './args/commands.js';
import { renderHelp } from './args/help.js';
import { type ParsedArgs, parseArgs } from './args/parse-args.js';
import { CliError, UsageError, userMessage } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { type CliIo, processIo } from './io.js';
import { VERSION } from './version.js';

/** Runs one command. */
export type CommandHandler = (parsed: ParsedArgs, io: CliIo) => Promise<ExitCode>;

const help: CommandHandler = async (parsed, io) => {
  const id = parsed.args.join(' ');
  if (parsed.command.id === '' && io.interactive && !parsed.options.plain && !parsed.options.json) {
    // `cryptully` alone in a terminal (or double-clicked): the home screen, not the help.
    const status = await (await import('./commands/chat.js')).homeCommand(io);
    if (status !== null) return status;
  }
  const command = id === '' ? commandById('') : parseArgs([...parsed.args, '--help']).command;
  if (id !== '' && command.id === '') throw new UsageError(`no command "${id}"`);
  io.stdout.write(renderHelp(command));
  return EXIT.ok;
};

/**
 * A handler whose module is imported only when its command runs: the chat pulls in blessed,
 * the engine and sockets, and `id`/`peers` the identity stores, none of which `--version` or
 * `--help` need. Measured under the same load: `--version` went from 349 to 156 ms (an empty node: 133 ms).
 */
function lazy<Name extends string>(
  load: () => Promise<Record<Name, unknown>>,
  name: Name,
): CommandHandler {
  return async (parsed, io) => ((await load())[name] as CommandHandler)(parsed, io);
}
const identity = () => import('./commands/identity.js');
const peers = () => import('./commands/peers.js');
const chat = lazy(() => import('./commands/chat.js'), 'chatCommand');

/** Which function runs each command (a table, like the commands themselves). */
export const HANDLERS: Record<CommandId, CommandHandler> = {
  '': help,
  help,
  host: chat,
  join: chat,
  id: lazy(identity, 'showIdentity'),
  'id create': lazy(identity, 'createIdentity'),
  'id passphrase': lazy(identity, 'changePassphrase'),
  'id export': lazy(identity, 'exportIdentity'),
  'id import': lazy(identity, 'importIdentity'),
  peers: lazy(peers, 'listPeers'),
  'peers verify': lazy(peers, 'verifyPeer'),
  'peers forget': lazy(peers, 'forgetKnownPeer'),
  invite: async (_parsed, io) => (await import('./commands/invite.js')).inviteCommand(io),
  app: async (_parsed, io) => (await import('./commands/app.js')).appCommand(io),
  relay: lazy(() => import('./commands/relay.js'), 'relayCommand'),
};

/**
 * The second line of `--version`: which crypto provider this process chose (libsodium, or
 * node:crypto and why), e.g. `crypto: libsodium (sodium-native 5.1.0)`.
 */
async function cryptoLine(): Promise<string> {
  const { cryptoProviderInfo: info } = await import('@cryptully/core/crypto');
  const why = info.fallbackReason ? `; ${info.fallbackReason}` : '';
  const forced = info.requested === 'node' ? ' (CRYPTULLY_CRYPTO=node)' : '';
  return `crypto: ${info.description}${forced}${why}`;
}

/**
 * Runs the CLI with the given arguments and returns the process exit status.
 * @param argv arguments after the program name
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  try {
    const parsed = parseArgs(argv);
    if (parsed.options.version) {
      io.stdout.write(`${VERSION}\n${await cryptoLine()}\n`);
      return EXIT.ok;
    }
    if (parsed.options.help) {
      io.stdout.write(renderHelp(parsed.command));
      return EXIT.ok;
    }
    return await HANDLERS[parsed.command.id](parsed, io);
  } catch (error) {
    const exitCode = error instanceof CliError ? error.exitCode : EXIT.failure;
    io.stderr.write(`cryptully: ${userMessage(error)}\n`);
    if (!(error instanceof CliError) && io.env.CRYPTULLY_DEBUG) {
      io.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    }
    return exitCode;
  }
}
