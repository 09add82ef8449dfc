import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/args/commands.js';
import { renderHelp } from '../src/args/help.js';
import { parseArgs } from '../src/args/parse-args.js';
import { UsageError } from '../src/errors.js';

describe('parseArgs reads the command table', () => {
  it('parses commands, subcommands, arguments and typed options', () => {
    const host = parseArgs([
      'host',
      '--port',
      '4000',
      '--bind=127.0.0.1',
      '-n',
      'Alice',
      '--plain',
    ]);
    expect(host.command.id).toBe('host');
    expect(host.options).toEqual({ port: 4000, bind: '127.0.0.1', name: 'Alice', plain: true });
    const exported = parseArgs(['id', 'export', 'me.json']);
    expect(exported.command.id).toBe('id export');
    expect(exported.args).toEqual(['me.json']);
    expect(parseArgs(['join', '--json', 'cryptully://join/abc']).args).toEqual([
      'cryptully://join/abc',
    ]);
    expect(parseArgs([]).command.id).toBe('');
    expect(parseArgs(['--', 'join', '-weird']).args).toEqual(['-weird']);
  });

  it('accepts what node:util parseArgs reads: -p4000, grouped short flags, "-" as a word', () => {
    expect(parseArgs(['host', '-p4000']).options).toEqual({ port: 4000 });
    expect(parseArgs(['-hv']).options).toEqual({ help: true, version: true });
    expect(parseArgs(['id', 'export', '-']).args).toEqual(['-']);
  });

  it.each([
    [['hots'], /unknown command "hots" \(did you mean "host"\?\)/],
    [['host', '--prot', '1'], /unknown option "--prot" \(did you mean "--port"\?\)/],
    [['host', '--port', 'abc'], /whole number from 0 to 65535/],
    [['host', '--port', '70000'], /whole number from 0 to 65535/],
    [['host', '--port'], /--port needs a value/],
    [['host', '--port', '-5'], /--port needs a value/],
    [['host', '-x'], /unknown option "-x"/],
    [['join'], /needs the invite your friend sent/],
    [['join', 'a', 'b'], /does not take "b"/],
    [['join', '--port', '3'], /has no option --port/],
    [['host', '--plain', '--json'], /either --plain or --json/],
    [['id', 'export'], /needs where to write/],
    [['--plain=yes'], /takes no value/],
  ])('rejects %j with a usage error that says what is wrong', (argv, message) => {
    const error = (() => {
      try {
        parseArgs(argv);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(message);
  });

  it('lets --help through even when the rest of the line is incomplete', () => {
    expect(parseArgs(['join', '--help']).options.help).toBe(true);
  });
});

describe('help', () => {
  it.each(COMMANDS.map((command) => [command.id || '(none)', command] as const))(
    'for %s has usage, an example, options, environment and exit statuses, in 80 columns',
    (_id, command) => {
      const text = renderHelp(command);
      expect(text).toMatch(/Examples:\n {2}cryptully/);
      expect(text).toMatch(/--help/);
      expect(text).toMatch(/CRYPTULLY_HOME/);
      expect(text).toMatch(/Exit status:\n {2}0 .*\n {2}1 .*\n {2}2 /);
      for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    },
  );

  it('lists every command on the main help page', () => {
    const text = renderHelp(COMMANDS[0]!);
    for (const command of COMMANDS.slice(1)) expect(text).toContain(`cryptully ${command.id}`);
  });
});
