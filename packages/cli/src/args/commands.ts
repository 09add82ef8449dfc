/**
 * Every command and option of `cryptully`, as data. One interpreter (`parse-args.ts`) reads
 * this table, and one renderer (`help.ts`) turns it into `--help` text: adding a command is
 * adding a row here.
 * @module
 */

/** What kind of value an option takes; `flag` takes none. */
export type OptionKind = 'flag' | 'string' | 'port';

/** One command-line option. */
export interface OptionSpec {
  /** Long name without dashes, e.g. `port`. */
  readonly name: string;
  /** One-letter alias without the dash, e.g. `h`. */
  readonly short?: string;
  readonly kind: OptionKind;
  /** How the value is shown in help, e.g. `N` in `--port N`. */
  readonly placeholder?: string;
  readonly summary: string;
}

/** A positional argument. */
export interface ArgumentSpec {
  readonly name: string;
  readonly required: boolean;
  readonly summary: string;
  /** Takes every remaining word (only the last argument). */
  readonly variadic?: boolean;
}

/** The identifier of a command: its words joined by a space, e.g. `id export`. */
export type CommandId =
  | ''
  | 'host'
  | 'join'
  | 'id'
  | 'id create'
  | 'id passphrase'
  | 'id export'
  | 'id import'
  | 'peers'
  | 'peers verify'
  | 'peers forget'
  | 'invite'
  | 'app'
  | 'relay'
  | 'help';

/** One command: its words, arguments, options and newcomer-friendly help. */
export interface CommandSpec {
  readonly id: CommandId;
  /** One line for command lists. */
  readonly summary: string;
  /** A paragraph for `--help`, written for someone who has never used cryptully. */
  readonly description: string;
  readonly args: readonly ArgumentSpec[];
  /** Names of the options this command accepts, besides the global ones. */
  readonly options: readonly string[];
  readonly examples: ReadonlyArray<readonly [command: string, explanation: string]>;
  /** Whether this command starts a chat (and so honours `--plain` and `--json`). */
  readonly chat?: boolean;
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', kind: 'flag', summary: 'show help for the command and exit' },
  { name: 'version', short: 'v', kind: 'flag', summary: 'show the version and exit' },
  {
    name: 'plain',
    kind: 'flag',
    summary: 'line-by-line text, no full-screen view (screen readers)',
  },
  {
    name: 'json',
    kind: 'flag',
    summary: 'JSON events on stdout, JSON commands on stdin (scripts)',
  },
];

/** Options that only some commands accept. */
export const COMMAND_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'port',
    short: 'p',
    kind: 'port',
    placeholder: 'N',
    summary: 'port to listen on (default 7677; 0 picks any free port)',
  },
  {
    name: 'bind',
    kind: 'string',
    placeholder: 'ADDR',
    summary: 'address to listen on, e.g. 127.0.0.1 or :: (default: all)',
  },
  {
    name: 'invites-only',
    kind: 'flag',
    summary: 'let in only people holding one of your invites',
  },
  {
    name: 'name',
    short: 'n',
    kind: 'string',
    placeholder: 'NAME',
    summary: 'the name your friends see (asked on first run if omitted)',
  },
  {
    name: 'bootstrap',
    kind: 'string',
    placeholder: 'LIST',
    summary: 'DHT bootstrap nodes, host:port,… (default: public ones)',
  },
  {
    name: 'no-dht',
    kind: 'flag',
    summary: 'TCP only: no DHT (no hole punching)',
  },
  {
    name: 'no-port-mapping',
    kind: 'flag',
    summary: 'do not ask the router to forward the port (UPnP, NAT-PMP)',
  },
  {
    name: 'relay',
    kind: 'string',
    placeholder: 'KEY',
    summary: 'a blind relay to use (its 64-hex-digit key)',
  },
];

/** Environment variables, for help and README. */
export const ENVIRONMENT: ReadonlyArray<readonly [name: string, meaning: string]> = [
  ['CRYPTULLY_HOME', 'where your identity and known peers are kept'],
  ['CRYPTULLY_PASSPHRASE', 'your passphrase, for runs that cannot ask for it'],
  ['CRYPTULLY_NEW_PASSPHRASE', 'the new passphrase, for "id passphrase" in scripts'],
  ['CRYPTULLY_BOOTSTRAP', 'DHT bootstrap nodes, like --bootstrap'],
  ['CRYPTULLY_RELAY', 'a blind relay key, like --relay'],
  ['CRYPTULLY_NO_PORT_MAPPING', 'set (not 0): like --no-port-mapping'],
  ['CRYPTULLY_NO_DHT', 'set it (to anything but 0) for TCP only, as --no-dht'],
  ['NO_COLOR', 'set it (to anything) to turn colours off'],
];

/** Every command, in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    id: '',
    summary: 'encrypted chat with a friend, no server in the middle',
    description:
      'Cryptully lets you chat with a friend over an encrypted connection that goes straight ' +
      'from your computer to theirs. One of you hosts and sends the other an invite; the other ' +
      'joins with it. Run a command with --help to learn more about it.',
    args: [],
    options: [],
    examples: [
      ['cryptully host', 'start a chat and get an invite to send to your friend'],
      ['cryptully join cryptully://join/…', 'join the chat of the friend who sent you that invite'],
      ['cryptully id', 'show your fingerprint, which friends can use to check it is you'],
      ['cryptully app', 'the same chat in a window of your web browser'],
    ],
  },
  {
    id: 'host',
    summary: 'start a chat and get an invite to send to a friend',
    description:
      'Listens for friends and prints an invite: one line to send your friend (by mail, ' +
      'messenger…). When they join you see their name and a short code and choose to accept or ' +
      'reject. Several friends can join; each gets their own conversation. On the same network ' +
      'friends connect directly; across the internet the invite also carries your key on the ' +
      'DHT, through which both routers are punched (no port to forward). --no-dht keeps to TCP.',
    args: [],
    options: [
      'port',
      'bind',
      'name',
      'invites-only',
      'bootstrap',
      'no-dht',
      'no-port-mapping',
      'relay',
    ],
    examples: [
      ['cryptully host', 'listen on port 7677 and show the invite'],
      ['cryptully host --port 4000', 'listen on port 4000 (forward it in your router)'],
      ['cryptully host --bind 127.0.0.1 --port 0 --json', 'for a script: local only, JSON events'],
      ['cryptully host --invites-only', 'only people holding one of your invites get in'],
    ],
    chat: true,
  },
  {
    id: 'join',
    summary: "join a friend's chat by invite, join code, address or name",
    description:
      'Connects to a friend who is hosting. With an invite (the cryptully://join/… line they ' +
      'sent you) or the join code they read out to you (like 7-purple-sausage), their ' +
      'identity is checked automatically; a join code works once, and a wrong one is burnt. ' +
      'With a plain address (host:port), compare the short code both of you see, for example ' +
      'over the phone, then type /verify. With the name of a friend you joined before, it ' +
      'dials where you met them and checks that the same key answers before saying who you ' +
      'are; so does a join to such an address.',
    args: [
      {
        name: 'invite|code|host:port|name',
        required: true,
        summary: 'the invite your friend sent, or code, host, name',
      },
    ],
    options: ['name', 'bootstrap', 'no-dht', 'relay'],
    examples: [
      ['cryptully join cryptully://join/AbC…', 'join with the invite your friend sent you'],
      ['cryptully join 7-purple-sausage', 'join with the join code your friend read out to you'],
      ['cryptully join 192.168.1.20:4000', 'join by address; then compare the code and /verify'],
      ['cryptully join bob', 'join Bob again where you met him (key checked)'],
    ],
    chat: true,
  },
  {
    id: 'id',
    summary: 'show your identity (name and fingerprint)',
    description:
      'Your identity is a key that stays on this computer and proves to friends that it is you. ' +
      'Its fingerprint is a row of digits a friend can compare with what they see. The ' +
      'subcommands create it, change its passphrase, or move it to another computer.',
    args: [],
    options: [],
    examples: [
      ['cryptully id', 'show your name, fingerprint and where the key is stored'],
      ['cryptully id create --name Alice', 'create an identity without starting a chat'],
    ],
  },
  {
    id: 'id create',
    summary: 'create your identity',
    description:
      'Creates your key and remembers your name. A passphrase is optional: it protects your key ' +
      'on this computer; without one, anyone who copies the file can pretend to be you. ' +
      'Without a terminal, the passphrase comes from CRYPTULLY_PASSPHRASE.',
    args: [],
    options: ['name'],
    examples: [
      ['cryptully id create', 'asks for your name and a passphrase'],
      ['CRYPTULLY_PASSPHRASE=… cryptully id create --name Alice', 'for scripts'],
    ],
  },
  {
    id: 'id passphrase',
    summary: "set, change or remove your identity's passphrase",
    description:
      'Asks for the current passphrase (if any) and the new one; an empty new passphrase ' +
      'removes the protection. Without a terminal: CRYPTULLY_PASSPHRASE (current) and ' +
      'CRYPTULLY_NEW_PASSPHRASE (new).',
    args: [],
    options: [],
    examples: [['cryptully id passphrase', 'change the passphrase interactively']],
  },
  {
    id: 'id export',
    summary: 'save your identity to a file for another computer',
    description:
      'Writes your identity to a file you can copy to another computer and import there. ' +
      'Keep it safe: if it has no passphrase, whoever gets the file can pretend to be you.',
    args: [{ name: 'file', required: true, summary: 'where to write the identity' }],
    options: [],
    examples: [['cryptully id export ~/cryptully-id.json', 'save your identity to that file']],
  },
  {
    id: 'id import',
    summary: 'use an identity exported on another computer',
    description:
      'Reads an identity written by "cryptully id export" and makes it yours on this ' +
      'computer. It refuses to replace an identity you already have.',
    args: [{ name: 'file', required: true, summary: 'the exported identity' }],
    options: ['name'],
    examples: [['cryptully id import ~/cryptully-id.json', 'use the identity in that file']],
  },
  {
    id: 'peers',
    summary: 'list the friends you have chatted with',
    description:
      "Like SSH's known hosts: cryptully remembers each friend's key, so that if someone else " +
      'later uses their name you get a loud warning. Shows each friend and how they were checked.',
    args: [],
    options: [],
    examples: [['cryptully peers', 'list your friends and how each was verified']],
  },
  {
    id: 'peers verify',
    summary: 'mark a friend verified after comparing fingerprints',
    description:
      "Shows the friend's fingerprint so you can compare it with what they see in " +
      '"cryptully id" (in person or by phone), and marks them verified when they match.',
    args: [{ name: 'peer', required: true, summary: 'the friend: a name or a peer id' }],
    options: [],
    examples: [['cryptully peers verify Bob', "compare Bob's fingerprint and mark him verified"]],
  },
  {
    id: 'peers forget',
    summary: 'forget a friend (their key is no longer remembered)',
    description:
      'Removes a friend from your known peers. The next time they connect they are treated as ' +
      'new: no key-change warning, and you should compare the code again.',
    args: [{ name: 'peer', required: true, summary: 'the friend: a name or a peer id' }],
    options: [],
    examples: [['cryptully peers forget Bob', 'forget Bob']],
  },
  {
    id: 'invite',
    summary: 'how to get a fresh invite while hosting',
    description:
      'Invites are made by a running host, so this is a command inside the chat: type /invite ' +
      'in the window where "cryptully host" runs (or send {"cmd":"invite"} in --json mode). ' +
      'Each invite works once and expires.',
    args: [],
    options: [],
    examples: [['cryptully host', 'then type /invite for each friend you want to invite']],
  },
  {
    id: 'app',
    summary: 'open the chat in your web browser',
    description:
      'Starts the desktop app for your web browser: it runs on this computer only (127.0.0.1) ' +
      'and opens your default browser at a private address that works once; the address is ' +
      'printed too, in case the browser does not open. Press Ctrl+C to stop. Comes with the ' +
      'single-file download of cryptully.',
    args: [],
    options: [],
    examples: [['cryptully app', 'open Cryptully in your browser']],
  },
  {
    id: 'relay',
    summary: 'relay for friends whose routers cannot connect directly',
    description:
      'Runs a blind relay on the DHT, for two friends behind home routers that cannot be ' +
      'punched (both of the strict "symmetric" kind). Run it on any computer the internet can ' +
      'reach; it prints a key that those friends add to host and join as --relay KEY. It passes ' +
      'on encrypted data only and cannot read a chat. It warns when the internet cannot reach ' +
      'it directly. The key stays the same across restarts ' +
      '(kept in the Cryptully folder). Press Ctrl+C to stop.',
    args: [],
    options: ['bootstrap'],
    examples: [
      ['cryptully relay', 'relay, and print the key for --relay'],
      ['cryptully relay --json', 'for a script: prints {"event":"relaying","key":…}'],
    ],
  },
  {
    id: 'help',
    summary: 'show help for a command',
    description: 'Shows the help of a command, the same as adding --help to it.',
    args: [
      { name: 'command', required: false, variadic: true, summary: 'e.g. host, join, id export' },
    ],
    options: [],
    examples: [['cryptully help join', 'how to join a chat']],
  },
];

/** Looks up a command by id. */
export function commandById(id: CommandId): CommandSpec {
  const spec = COMMANDS.find((command) => command.id === id);
  if (spec === undefined) throw new RangeError(`no command "${id}"`);
  return spec;
}

/** All options (global and per command), for the parser. */
export const ALL_OPTIONS: readonly OptionSpec[] = [...GLOBAL_OPTIONS, ...COMMAND_OPTIONS];
