import { GROUPS, type GroupName } from './report.js';

/** Command-line options of `pnpm bench`. */
export interface BenchOptions {
  json: boolean;
  out: string | undefined;
  quick: boolean;
  only: GroupName[];
  fallback: boolean;
  cpuProf: string | undefined;
  /** Which crypto providers the crypto-bound groups run with (see {@link CRYPTO_GROUPS}). */
  crypto: CryptoChoice;
  help: boolean;
}

/** `--crypto`: the process's own choice (libsodium where it loads), node:crypto, or both. */
export type CryptoChoice = 'default' | 'node' | 'both';

/**
 * The groups whose figures depend on the crypto provider: with `--crypto both` (the default)
 * they run once with the provider the process chooses and once with `CRYPTULLY_CRYPTO=node`.
 */
export const CRYPTO_GROUPS: readonly GroupName[] = ['handshake', 'throughput', 'latency'];

/** The options, as data: flag, whether it takes a value, what it does. */
export const OPTION_TABLE = [
  ['--json', false, 'print the report as JSON on stdout (progress goes to stderr)'],
  ['--out <file>', true, 'also write the JSON report to <file>'],
  ['--quick', false, 'short runs and small sizes (a smoke check; figures are rough)'],
  ['--only <groups>', true, `comma-separated groups to run: ${GROUPS.join(',')}`],
  ['--fallback', false, 'measure the bench-local Noise frame stream instead of the channel'],
  [
    '--crypto <which>',
    true,
    'default (libsodium where it loads), node (node:crypto), or both (default): handshake, throughput and latency run with each',
  ],
  [
    '--cpu-prof [dir]',
    false,
    'write V8 CPU profiles of every bench process (default dir: bench-profiles)',
  ],
  ['--help', false, 'print this help'],
] as const;

/** The help text. */
export function usage(): string {
  const lines = OPTION_TABLE.map(([flag, , text]) => `  ${flag.padEnd(18)} ${text}`);
  return `Usage: pnpm bench -- [options]\n\n${lines.join('\n')}\n`;
}

/**
 * Parses `argv` (without the node and script paths).
 * @throws {Error} with a message for people on an unknown option or group.
 */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    json: false,
    out: undefined,
    quick: false,
    only: [...GROUPS],
    fallback: false,
    cpuProf: undefined,
    crypto: 'both',
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--':
        break;
      case '--json':
        options.json = true;
        break;
      case '--out':
        options.out = value();
        break;
      case '--quick':
        options.quick = true;
        break;
      case '--fallback':
        options.fallback = true;
        break;
      case '--crypto': {
        const which = value();
        if (which !== 'default' && which !== 'node' && which !== 'both') {
          throw new Error(`--crypto takes default, node or both, not "${which}"`);
        }
        options.crypto = which;
        break;
      }
      case '--help':
      case '-h':
        options.help = true;
        break;
      case '--cpu-prof': {
        const next = inline ?? (argv[i + 1]?.startsWith('-') ? undefined : argv[i + 1]);
        if (inline === undefined && next !== undefined) i++;
        options.cpuProf = next ?? 'bench-profiles';
        break;
      }
      case '--only': {
        const names = value()
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean);
        for (const name of names) {
          if (!(GROUPS as readonly string[]).includes(name)) {
            throw new Error(`unknown group "${name}"; groups: ${GROUPS.join(', ')}`);
          }
        }
        options.only = GROUPS.filter((group) => names.includes(group));
        break;
      }
      default:
        throw new Error(`unknown option "${argv[i]}"\n\n${usage()}`);
    }
  }
  return options;
}
