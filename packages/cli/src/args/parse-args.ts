import { parseArgs as tokenize } from 'node:util';
import { UsageError } from '../errors.js';
import {
  ALL_OPTIONS,
  COMMANDS,
  type CommandSpec,
  commandById,
  type OptionSpec,
} from './commands.js';

/** The options a command line can carry, after validation. */
export interface ParsedOptions {
  help?: boolean;
  version?: boolean;
  plain?: boolean;
  json?: boolean;
  port?: number;
  bind?: string;
  name?: string;
  bootstrap?: string;
  'no-dht'?: boolean;
  'no-port-mapping'?: boolean;
  relay?: string;
  'invites-only'?: boolean;
}

/** A validated command line. */
export interface ParsedArgs {
  readonly command: CommandSpec;
  /** Positional arguments of the command, in order. */
  readonly args: readonly string[];
  readonly options: ParsedOptions;
}

/** The option table in the form `node:util`'s `parseArgs` reads (ports are strings there). */
const TOKENIZER_OPTIONS = Object.fromEntries(
  ALL_OPTIONS.map((option) => [
    option.name,
    {
      type: option.kind === 'flag' ? ('boolean' as const) : ('string' as const),
      ...(option.short ? { short: option.short } : {}),
    },
  ]),
);

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** A suggestion for a typo: the known name at most two edits away, or one it starts. */
function closestName(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const distance = name.startsWith(word) && word.length >= 2 ? 1 : editDistance(word, name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

function optionValue(option: OptionSpec, raw: string): string | number {
  if (option.kind !== 'port') return raw;
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`--${option.name} needs a whole number from 0 to 65535, not "${raw}"`);
  }
  return port;
}

function resolveCommand(words: string[]): { command: CommandSpec; rest: string[] } {
  const [first, second] = words;
  if (first === undefined) return { command: commandById(''), rest: [] };
  const pair = COMMANDS.find((command) => command.id === `${first} ${second}`);
  if (pair !== undefined) return { command: pair, rest: words.slice(2) };
  const single = COMMANDS.find((command) => command.id === first && command.id !== '');
  if (single !== undefined) return { command: single, rest: words.slice(1) };
  const topLevel = COMMANDS.map((command) => command.id).filter((id) => id && !id.includes(' '));
  const guess = closestName(first, topLevel);
  throw new UsageError(
    `unknown command "${first}"${guess ? ` (did you mean "${guess}"?)` : ''}. ` +
      'Run "cryptully --help" to see what it can do',
  );
}

/**
 * Parses and validates a command line against the command table in `commands.ts`.
 * Options may come anywhere, as `--name value`, `--name=value`, `-n value` or `-nvalue`; `--`
 * ends them. The words are split by `node:util`'s `parseArgs` (non-strict, with tokens); this
 * function adds what it does not do: "did you mean" for unknown commands and options, typed
 * ports, per-command options and arguments, each with a one-sentence usage error.
 * @throws {UsageError} with one sentence saying what is wrong and what to run instead.
 * @example parseArgs(['host', '--port', '4000']) // => { command: host, args: [], options: { port: 4000 } }
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const { tokens } = tokenize({
    args: [...argv],
    options: TOKENIZER_OPTIONS,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const words: string[] = [];
  const options: Record<string, string | number | boolean> = {};
  const seen: OptionSpec[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      words.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const option = ALL_OPTIONS.find((candidate) => candidate.name === token.name);
    if (option === undefined) {
      const names = ALL_OPTIONS.map((candidate) => candidate.name);
      const guess = closestName(token.rawName.replace(/^-+/, ''), names);
      throw new UsageError(
        `unknown option "${token.rawName}"${guess ? ` (did you mean "--${guess}"?)` : ''}. ` +
          'Run "cryptully --help" to see the options',
      );
    }
    if (option.kind === 'flag') {
      if (token.value !== undefined) throw new UsageError(`--${option.name} takes no value`);
      options[option.name] = true;
    } else {
      const raw = token.value;
      // A following word that looks like an option is not taken as the value (`--port -5`).
      if (raw === undefined || (!token.inlineValue && raw.startsWith('-') && raw !== '-')) {
        throw new UsageError(
          `--${option.name} needs a value: --${option.name} ${option.placeholder}`,
        );
      }
      options[option.name] = optionValue(option, raw);
    }
    seen.push(option);
  }

  const { command, rest } = resolveCommand(words);
  const parsed: ParsedArgs = { command, args: rest, options: options as ParsedOptions };
  if (options.help || options.version) return parsed;

  for (const option of seen) {
    const global = ['help', 'version', 'plain', 'json'].includes(option.name);
    if (!global && !command.options.includes(option.name)) {
      throw new UsageError(
        `"cryptully ${command.id}" has no option --${option.name}. ` +
          `Run "cryptully ${command.id} --help" to see its options`,
      );
    }
  }
  if (options.plain && options.json) {
    throw new UsageError('choose either --plain or --json, not both');
  }
  const required = command.args.filter((arg) => arg.required);
  if (rest.length < required.length) {
    const missing = required[rest.length]!;
    throw new UsageError(
      `"cryptully ${command.id}" needs ${missing.summary} (<${missing.name}>). ` +
        `Run "cryptully ${command.id} --help" for examples`,
    );
  }
  if (rest.length > command.args.length && !command.args.at(-1)?.variadic) {
    throw new UsageError(
      `"cryptully ${command.id}" does not take "${rest[command.args.length]}". ` +
        `Run "cryptully ${command.id} --help" for examples`,
    );
  }
  return parsed;
}
